"""The ``Network`` protocol every backend implements, its ``Capability`` flags,
and ``BaseNetwork``, the shared base class.

``BaseNetwork`` answers every member with ``UnsupportedFeature`` naming the
network and the capability, so a backend implements only what its network
can do, and a caller never gets a silent no-op.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from .errors import ContentRejected, InvalidInput, UnsupportedFeature
from .models import (
    Account,
    Amount,
    Community,
    Draft,
    Notification,
    Post,
    Reward,
    as_draft,
)

__all__ = ["AccountRef", "BaseNetwork", "Capability", "Network", "NetworkSettings", "PostRef", "TextLimit"]

log = logging.getLogger("decentsocial")

PostRef = Post | str
AccountRef = Account | str
CommunityRef = Community | str


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


@runtime_checkable
class Network(Protocol):
    """One connection to one account on one network (DESIGN §3)."""

    @property
    def name(self) -> str: ...
    @property
    def capabilities(self) -> frozenset[Capability]: ...

    def me(self) -> Account: ...
    def account(self, handle: str) -> Account: ...
    def publish(self, draft: Draft | str) -> Post: ...
    def reply(self, to: PostRef, draft: Draft | str) -> Post: ...
    def get_post(self, id: str) -> Post: ...
    def delete(self, post: PostRef) -> None: ...
    def like(self, post: PostRef) -> None: ...
    def unlike(self, post: PostRef) -> None: ...
    def vote(self, post: PostRef, weight: float) -> None: ...
    def repost(self, post: PostRef) -> Post | None: ...
    def follow(self, account: AccountRef) -> None: ...
    def unfollow(self, account: AccountRef) -> None: ...
    def posts(self, account: AccountRef | None = None, *, limit: int | None = 20) -> Iterator[Post]: ...
    def timeline(self, *, limit: int | None = 20) -> Iterator[Post]: ...
    def search(self, query: str, *, limit: int | None = 20) -> Iterator[Post]: ...
    def thread(self, post: PostRef) -> list[Post]: ...
    def notifications(self, *, limit: int | None = 20) -> Iterator[Notification]: ...
    def communities(self, query: str | None = None, *, limit: int | None = 20) -> Iterator[Community]: ...
    def community(self, id: str) -> Community: ...
    def join(self, community: CommunityRef) -> None: ...
    def leave(self, community: CommunityRef) -> None: ...
    def community_posts(self, community: CommunityRef, *, limit: int | None = 20) -> Iterator[Post]: ...
    def rewards(self, post: PostRef) -> Reward: ...
    def pending_rewards(self, account: AccountRef | None = None) -> Reward: ...
    def claim_rewards(self) -> Reward: ...
    def tip(self, to: AccountRef | PostRef, amount: Amount | str, memo: str = "") -> str: ...
    def close(self) -> None: ...
    def __enter__(self) -> Network: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@dataclass(frozen=True)
class TextLimit:
    """How long a post's text may be on a network, and how that network counts it.

    ``measure`` is one of :mod:`decentsocial.text`'s counters (``grapheme_len``,
    ``url_weighted_len``…); ``unit`` names it in error messages.
    """

    limit: int
    measure: Callable[[str], int]
    unit: str = "characters"

    def fits(self, text: str) -> bool:
        return self.measure(text) <= self.limit


class NetworkSettings(BaseModel):
    """Base of every backend's settings model: unknown keys are an error, secrets are ``SecretStr``."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class BaseNetwork:
    """Shared behaviour for backends; every member defaults to ``UnsupportedFeature``.

    Subclasses set ``name``, ``Settings`` and ``capabilities``, and take their
    validated settings in ``__init__``. ``connect()`` builds them without any
    network I/O: the first call that needs the server does that.
    """

    name: ClassVar[str] = "base"
    Settings: ClassVar[type[NetworkSettings]] = NetworkSettings
    capabilities: frozenset[Capability] = frozenset()
    #: Default page size for ``paginate``; backends use their API's maximum.
    page_size: ClassVar[int] = 50

    def __init__(self, settings: NetworkSettings | None = None) -> None:
        self.settings = settings if settings is not None else self.Settings()
        self.log = log.getChild(self.name)

    # ---------------------------------------------------------------- helpers

    def unsupported(self, capability: Capability, detail: str | None = None) -> UnsupportedFeature:
        return UnsupportedFeature(self.name, capability, detail)

    def require(self, capability: Capability) -> None:
        """Raise ``UnsupportedFeature`` unless this backend has ``capability``."""
        if capability not in self.capabilities:
            raise self.unsupported(capability)

    def prepare(self, draft: Draft | str) -> list[Draft]:
        """Check a draft against this network's rules without publishing it.

        Returns the draft(s) that ``publish`` would send: one, or several
        when the crosspost layer may split it into a thread. Backends
        override :meth:`check_draft` for their limits.
        """
        d = as_draft(draft)
        self.check_draft(d)
        return [d]

    def text_limit(self, draft: Draft | None = None) -> TextLimit | None:
        """This network's text length rule, or ``None`` when it has none (or the backend does not say).

        ``check_draft`` enforces it, and ``crosspost`` uses it to split a long
        draft into a thread on networks that can reply. Given the ``draft``, a
        network whose count includes what it adds to the text (Mastodon counts
        the content warning and the tags it writes in) leaves room for that.
        """
        return None

    def check_draft(self, draft: Draft) -> None:
        """Raise ``ContentRejected``/``UnsupportedFeature`` if ``draft`` cannot be published here."""
        self.check_length(draft)
        self.check_features(draft)

    def check_length(self, draft: Draft) -> None:
        """``ContentRejected`` naming limit and count when the text is over ``text_limit()``."""
        rule = self.text_limit(draft)
        if rule is not None and not rule.fits(draft.text):
            raise self.too_long(self.name, rule.limit, rule.measure(draft.text), rule.unit)

    def check_features(self, draft: Draft) -> None:
        """``UnsupportedFeature`` for draft features outside this backend's capabilities."""
        if draft.media and Capability.MEDIA not in self.capabilities:
            raise self.unsupported(Capability.MEDIA)
        if draft.poll is not None and Capability.POLL not in self.capabilities:
            raise self.unsupported(Capability.POLL)
        if draft.scheduled_at is not None and Capability.SCHEDULE not in self.capabilities:
            raise self.unsupported(Capability.SCHEDULE)
        if draft.quote_of is not None and Capability.QUOTE not in self.capabilities:
            raise self.unsupported(Capability.QUOTE)

    @staticmethod
    def post_id(post: PostRef) -> str:
        """The id of a ``Post`` or an id string."""
        if isinstance(post, Post):
            return post.id
        if isinstance(post, str) and post.strip():
            return post.strip()
        raise InvalidInput(f"expected a Post or a post id, got {post!r}")

    @staticmethod
    def account_ref(account: AccountRef) -> str:
        """The handle (or id) of an ``Account`` or a handle string."""
        if isinstance(account, Account):
            return account.handle
        if isinstance(account, str) and account.strip():
            return account.strip()
        raise InvalidInput(f"expected an Account or a handle, got {account!r}")

    @staticmethod
    def community_id(community: CommunityRef) -> str:
        if isinstance(community, Community):
            return community.id
        if isinstance(community, str) and community.strip():
            return community.strip()
        raise InvalidInput(f"expected a Community or a community id, got {community!r}")

    @staticmethod
    def too_long(network: str, limit: int, count: int, unit: str = "characters") -> ContentRejected:
        return ContentRejected(f"text is {count} {unit}, over {network}'s limit of {limit}", network=network)

    def __repr__(self) -> str:
        # Settings reprs show SecretStr as '**********'.
        return f"<{type(self).__name__} {self.settings!r}>"

    # ---------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Release connections; the default has none."""

    def __enter__(self) -> BaseNetwork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---------------------------------------------------------------- the protocol

    def me(self) -> Account:
        raise self.unsupported(Capability.PROFILE)

    def account(self, handle: str) -> Account:
        raise self.unsupported(Capability.PROFILE)

    def publish(self, draft: Draft | str) -> Post:
        raise self.unsupported(Capability.PUBLISH)

    def reply(self, to: PostRef, draft: Draft | str) -> Post:
        raise self.unsupported(Capability.REPLY)

    def get_post(self, id: str) -> Post:
        raise self.unsupported(Capability.READ)

    def delete(self, post: PostRef) -> None:
        raise self.unsupported(Capability.DELETE)

    def like(self, post: PostRef) -> None:
        raise self.unsupported(Capability.LIKE)

    def unlike(self, post: PostRef) -> None:
        raise self.unsupported(Capability.LIKE)

    def vote(self, post: PostRef, weight: float) -> None:
        raise self.unsupported(Capability.VOTE)

    def repost(self, post: PostRef) -> Post | None:
        raise self.unsupported(Capability.REPOST)

    def follow(self, account: AccountRef) -> None:
        raise self.unsupported(Capability.FOLLOW)

    def unfollow(self, account: AccountRef) -> None:
        raise self.unsupported(Capability.FOLLOW)

    def posts(self, account: AccountRef | None = None, *, limit: int | None = 20) -> Iterator[Post]:
        raise self.unsupported(Capability.POSTS)

    def timeline(self, *, limit: int | None = 20) -> Iterator[Post]:
        raise self.unsupported(Capability.TIMELINE)

    def search(self, query: str, *, limit: int | None = 20) -> Iterator[Post]:
        raise self.unsupported(Capability.SEARCH)

    def thread(self, post: PostRef) -> list[Post]:
        raise self.unsupported(Capability.THREAD)

    def notifications(self, *, limit: int | None = 20) -> Iterator[Notification]:
        raise self.unsupported(Capability.NOTIFICATIONS)

    def communities(self, query: str | None = None, *, limit: int | None = 20) -> Iterator[Community]:
        raise self.unsupported(Capability.COMMUNITIES)

    def community(self, id: str) -> Community:
        raise self.unsupported(Capability.COMMUNITIES)

    def join(self, community: CommunityRef) -> None:
        raise self.unsupported(Capability.JOIN)

    def leave(self, community: CommunityRef) -> None:
        raise self.unsupported(Capability.JOIN)

    def community_posts(self, community: CommunityRef, *, limit: int | None = 20) -> Iterator[Post]:
        raise self.unsupported(Capability.COMMUNITY_POSTS)

    def rewards(self, post: PostRef) -> Reward:
        raise self.unsupported(Capability.REWARDS)

    def pending_rewards(self, account: AccountRef | None = None) -> Reward:
        raise self.unsupported(Capability.REWARDS)

    def claim_rewards(self) -> Reward:
        raise self.unsupported(Capability.CLAIM)

    def tip(self, to: AccountRef | PostRef, amount: Amount | str, memo: str = "") -> str:
        raise self.unsupported(Capability.TIP)

    def stream(self, *, kind: str = "public", tag: str | None = None) -> Iterator[Post]:
        """New posts as they arrive (for ``monitor``); ``UnsupportedFeature`` where there is no stream."""
        raise self.unsupported(Capability.STREAM)
