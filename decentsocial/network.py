"""The ``Network`` protocol every backend implements, and its ``Capability`` flags.

This page is the reference for what every connection can do. A member a
network cannot do raises :class:`~decentsocial.UnsupportedFeature` naming the
network and the capability; it never silently does nothing. Backends get the
argument checks, the paging and the error for a missing capability from
:class:`~decentsocial.BaseNetwork`, and implement only small hooks.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, runtime_checkable

from .models import Account, Amount, Community, Draft, Message, Notification, Post, Reward

__all__ = [
    "MICROBLOGGING",
    "PUBLISHING",
    "READING",
    "SEARCHING",
    "AccountRef",
    "Capability",
    "CommunityRef",
    "Network",
    "PostRef",
    "TextLimit",
    "TipTarget",
]

#: A post, or a post's id on its network (Mastodon status id, Bluesky at-URI, Hive ``author/permlink``…).
PostRef = Post | str
#: An account, or its handle (``@brand@mastodon.example``, ``brand.bsky.social``, ``npub…``).
AccountRef = Account | str
#: A community, or its id (a Hive community ``hive-123456``, a sandbox community name).
CommunityRef = Community | str
#: Who a tip goes to: an account or its handle, or a post (its author) or its id.
TipTarget = Account | Post | str


class Capability(str, enum.Enum):
    """What a backend (and the server it talks to) can do; one flag per protocol member group."""

    PROFILE = "profile"  # me(), account()
    PUBLISH = "publish"
    REPLY = "reply"
    READ = "read"  # get_post()
    DELETE = "delete"
    LIKE = "like"  # like(), unlike()
    VOTE = "vote"  # weighted votes (Hive/Steem)
    REPOST = "repost"
    QUOTE = "quote"  # Draft.quote_of
    FOLLOW = "follow"  # follow(), unfollow()
    POSTS = "posts"  # an account's posts
    TIMELINE = "timeline"
    SEARCH = "search"  # text search
    TAG_SEARCH = "tag_search"  # search("#tag")
    THREAD = "thread"
    NOTIFICATIONS = "notifications"
    COMMUNITIES = "communities"  # communities(), community()
    JOIN = "join"  # join(), leave()
    COMMUNITY_POSTS = "community_posts"
    REWARDS = "rewards"  # rewards(), pending_rewards()
    CLAIM = "claim"  # claim_rewards()
    TIP = "tip"
    MEDIA = "media"  # images in drafts
    POLL = "poll"
    SCHEDULE = "schedule"
    STREAM = "stream"  # stream() of new posts
    IDEMPOTENT_PUBLISH = "idempotent_publish"  # Draft.idempotency_key honoured
    # ---- the post lifecycle (issue 14): edit, pin
    EDIT = "edit"  # edit() in place
    PIN = "pin"  # pin(), unpin(), pinned()
    # -- direct messages (issue 14)
    MESSAGING = "messaging"  # send_message(), messages()


# Groups of capabilities that backends combine, so that each states only what sets it apart
# (``MICROBLOGGING | {Capability.MEDIA}``).

#: Reading: profiles, a post by id, an account's posts.
READING = frozenset({Capability.PROFILE, Capability.READ, Capability.POSTS})
#: Writing posts: publish (idempotently), reply, quote, repost, delete.
PUBLISHING = frozenset(
    {
        Capability.PUBLISH,
        Capability.IDEMPOTENT_PUBLISH,
        Capability.REPLY,
        Capability.QUOTE,
        Capability.REPOST,
        Capability.DELETE,
    }
)
#: Text search, and search by tag.
SEARCHING = frozenset({Capability.SEARCH, Capability.TAG_SEARCH})
#: The baseline of a microblogging network: reading, publishing and searching, with a home
#: timeline, threads, notifications, likes and follows.
MICROBLOGGING = (
    READING
    | PUBLISHING
    | SEARCHING
    | {Capability.TIMELINE, Capability.THREAD, Capability.NOTIFICATIONS, Capability.LIKE, Capability.FOLLOW}
)


@dataclass(frozen=True)
class TextLimit:
    """How long a post's text may be on a network, and how that network counts it.

    ``measure`` is one of :mod:`decentsocial.text`'s counters (``grapheme_len``,
    ``mastodon_len``…); ``unit`` names it in error messages.
    """

    limit: int
    measure: Callable[[str], int]
    unit: str = "characters"

    def fits(self, text: str) -> bool:
        """Whether ``text`` is within the limit."""
        return self.measure(text) <= self.limit


@runtime_checkable
class Network(Protocol):
    """One connection to one account on one network.

    ``connect()`` returns one without any network I/O; the first call that
    needs the server opens the connection. Use it as a context manager, or
    call :meth:`close`, to release sockets early; a connection that is
    garbage-collected releases them itself.
    """

    @property
    def name(self) -> str:
        """The backend's name: "mastodon", "bluesky", "hive", "steem", "nostr", "threads", "minds", "sandbox".

        Third-party backends add their own (see ``known_networks()``).
        """
        ...

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this backend, and the server it talks to, can do."""
        ...

    @property
    def identity(self) -> str:
        """A stable name for the account this connection acts as, from its settings alone (no I/O).

        Idempotency records and crosspost keys are scoped by network and
        identity: the same account gets the same keys in any crosspost.
        """
        ...

    @property
    def page_size(self) -> int:
        """How many items one page request asks for (the API's maximum); iterators page lazily."""
        ...

    def me(self) -> Account:
        """The account this connection acts as."""
        ...

    def account(self, handle: str) -> Account:
        """Look up an account by handle (or id); ``NotFound`` when there is none."""
        ...

    def prepare(self, draft: Draft | str) -> list[Draft]:
        """Check a draft against this network's rules without publishing it.

        Returns the draft(s) :meth:`publish` would send. Raises
        ``ContentRejected`` (too long, empty) or ``UnsupportedFeature`` (media,
        polls… the network lacks) before any I/O.
        """
        ...

    def text_limit(self, draft: Draft | None = None) -> TextLimit | None:
        """This network's text length rule, or ``None`` when it has none.

        Given the ``draft``, a network whose count includes what it adds to
        the text (Mastodon counts a content warning) leaves room for that.
        ``crosspost`` uses it to split long text into a thread.
        """
        ...

    def publish(self, draft: Draft | str) -> Post:
        """Publish a post and return it as the network now shows it.

        ``draft`` is a :class:`~decentsocial.Draft` or plain text. With
        ``Draft.idempotency_key`` set, publishing again with the same key
        returns the post already made instead of posting twice (on networks
        with ``Capability.IDEMPOTENT_PUBLISH``). The draft is checked first
        (:meth:`prepare`): bad input fails before any I/O.
        """
        ...

    def reply(self, to: PostRef, draft: Draft | str) -> Post:
        """Publish ``draft`` as a reply to ``to`` (a post or a post id)."""
        ...

    def get_post(self, id: str) -> Post:
        """The post with this id, freshly read; ``NotFound`` when it does not exist (or was deleted)."""
        ...

    def delete(self, post: PostRef) -> None:
        """Delete one of this account's posts.

        A post already gone (deleted before, or never there) is ``NotFound``; on
        Hive and Steem the node may refuse the transaction instead
        (``ContentRejected``). ``ds.retract`` counts a post already gone as deleted.
        """
        ...

    def like(self, post: PostRef) -> None:
        """Like (favourite, upvote) a post; liking it again changes nothing."""
        ...

    def unlike(self, post: PostRef) -> None:
        """Take a like back; unliking a post that was not liked changes nothing."""
        ...

    def vote(self, post: PostRef, weight: float) -> None:
        """Vote with ``weight`` percent, -100 to 100; 0 removes the vote.

        On Hive and Steem the weight is the share of the account's voting power the vote spends.
        """
        ...

    def repost(self, post: PostRef) -> Post | None:
        """Boost, reblog or repost a post; returns the repost when the network makes one."""
        ...

    def follow(self, account: AccountRef) -> None:
        """Follow an account."""
        ...

    def unfollow(self, account: AccountRef) -> None:
        """Stop following an account."""
        ...

    def posts(self, account: AccountRef | None = None, *, limit: int | None = 20) -> Iterator[Post]:
        """An account's posts, newest first (``None``: this account's); ``limit=None`` pages to the end."""
        ...

    def timeline(self, *, limit: int | None = 20) -> Iterator[Post]:
        """The home feed, newest first."""
        ...

    def search(self, query: str, *, limit: int | None = 20) -> Iterator[Post]:
        """Posts matching ``query``; ``"#tag"`` searches a hashtag (``Capability.TAG_SEARCH``)."""
        ...

    def thread(self, post: PostRef) -> list[Post]:
        """The post and its replies, in reply order."""
        ...

    def notifications(self, *, limit: int | None = 20) -> Iterator[Notification]:
        """Mentions, replies, likes, reposts, follows and rewards for this account, newest first."""
        ...

    def communities(self, query: str | None = None, *, limit: int | None = 20) -> Iterator[Community]:
        """Communities, optionally matching ``query``."""
        ...

    def community(self, id: str) -> Community:
        """One community by id; ``NotFound`` when there is none."""
        ...

    def join(self, community: CommunityRef) -> None:
        """Join (subscribe to) a community."""
        ...

    def leave(self, community: CommunityRef) -> None:
        """Leave a community."""
        ...

    def community_posts(self, community: CommunityRef, *, limit: int | None = 20) -> Iterator[Post]:
        """A community's posts, newest first; publish into one with ``Draft(community=…)``."""
        ...

    def rewards(self, post: PostRef) -> Reward:
        """What a post earned or will earn (payouts, zaps, tips)."""
        ...

    def pending_rewards(self, account: AccountRef | None = None) -> Reward:
        """What an account (``None``: this one) can claim now."""
        ...

    def claim_rewards(self) -> Reward:
        """Claim this account's pending rewards; returns what was claimed."""
        ...

    def tip(
        self, to: TipTarget, amount: Amount | str, memo: str = "", *, idempotency_key: str | None = None
    ) -> str:
        """Send a transfer or zap to an account or a post's author; returns the transaction or receipt id.

        ``amount`` is an :class:`~decentsocial.Amount` or its string form, ``"1.000 HIVE"``.
        With ``idempotency_key``, running the same tip again (after a crash, a
        lost answer) does not pay twice, and the key used for another tip is
        ``InvalidInput``. A ``memo`` that is not valid Unicode or holds a NUL
        character (U+0000) is ``InvalidInput`` before anything is signed or
        sent, as in a draft's text.
        """
        ...

    # ---------------------------------------------------------------- the post lifecycle: edit and pin
    # (issue 14; kept together so that other lifecycle members merge beside them)

    def edit(self, post: PostRef, draft: Draft | str, *, replace: bool = False) -> Post:
        """Change one of this account's posts to ``draft``; returns the post as the network now shows it.

        The post keeps its id, its replies and its place in threads
        (``Post.edited_at`` is set where the network says when). The draft
        carries the new text and, where the network allows, media, content
        warning and title; it cannot move the post (``reply_to``,
        ``community``, ``scheduled_at`` are ``InvalidInput``). Text over the
        limit is ``ContentRejected`` before any I/O; someone else's post is
        ``PermissionDenied``. Where the network cannot edit
        (``Capability.EDIT``), ``UnsupportedFeature``; with ``replace=True``
        it instead publishes the draft as a new post (a reply to the same
        parent, a quote of the same post) and deletes the old one, returning
        the new post: its id changes, links to the old post break, and its
        likes and replies stay with the deleted post.
        """
        ...

    def pin(self, post: PostRef) -> None:
        """Pin one of this account's posts to its profile; pinning it again changes nothing.

        Someone else's post is ``PermissionDenied``. Networks keep one pin
        (Bluesky) or a few (Mastodon: five); where a new pin pushes an older
        one out, the network decides which. Hive has no profile pins: there a
        community's moderators (role mod, admin or owner) pin any post in
        the community, and a post in no community, or an account without the
        role, is ``PermissionDenied``.
        """
        ...

    def unpin(self, post: PostRef) -> None:
        """Take a post off this account's pins; unpinning a post that is not pinned changes nothing.

        On Hive, off its community's pins: that takes the same role as ``pin``.
        """
        ...

    def pinned(self, account: AccountRef | None = None, *, limit: int | None = 20) -> Iterator[Post]:
        """An account's pinned posts (``None``: this account's), as the network orders them.

        On Hive, where a community is an account (``hive-123456``), give the
        community's name: its pinned posts; an ordinary account has none to
        list (``UnsupportedFeature``).
        """
        ...

    # ---------------------------------------------------------------- streams

    def stream(self, *, kind: str = "public", tag: str | None = None) -> Iterator[Post]:
        """New posts as they arrive (``kind``: "public", "home"…; ``tag``: one hashtag), for ``monitor``."""
        ...

    def close(self) -> None:
        """Release sockets, threads and event loops now, instead of at garbage collection."""
        ...

    # ---------------------------------------------------------------- direct messages (issue 14)

    def send_message(self, account: AccountRef, text: str) -> str:
        """Send ``text`` privately to ``account``; returns the message's id (``Capability.MESSAGING``).

        Mastodon: a status with ``direct`` visibility that mentions the
        recipient. Nostr: a NIP-17 private message (NIP-44 encrypted, NIP-59
        gift-wrapped for the recipient and for this account). Empty text,
        text that is not valid Unicode and text over the network's limit
        fail before any I/O; an account that cannot receive a message is a
        typed error (``NotFound``, ``InvalidInput``). The text never appears
        in logs or error messages.
        """
        ...

    def messages(self, *, limit: int | None = 20) -> Iterator[Message]:
        """Direct messages this account sent or received, newest first (``Capability.MESSAGING``)."""
        ...

    def __enter__(self) -> Network:
        """Use the connection in a ``with`` block, which closes it at the end."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def inherit_docs(template: type) -> None:
    """Give a template's undocumented public members the :class:`Network` docstrings, so that
    ``help(net.reply)`` explains (``BaseNetwork`` calls it once its class is built)."""
    for name, member in vars(template).items():
        documented = getattr(Network, name, None)
        if callable(member) and not getattr(member, "__doc__", None) and documented is not None:
            member.__doc__ = documented.__doc__
