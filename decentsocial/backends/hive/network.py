"""The Hive and Steem backends: bridge API reads, locally signed writes, the reward cycle.

Only hooks of :class:`~decentsocial.base.BaseNetwork` live here, plus two
Hive extras: :meth:`HiveNetwork.blog` (posts with reblogs) and
:meth:`HiveNetwork.reward_history` (with the reward hooks, in :mod:`.rewards`).
Requests go through :class:`~.transport.RpcClient`, operations are built in
:mod:`.ops`, signed in :mod:`.sign`, and answers converted in :mod:`.convert`.
"""

from __future__ import annotations

import json
import re
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal, localcontext
from typing import Any, ClassVar, Literal, TypeVar

from ... import errors
from ...base import BaseNetwork
from ...coerce import as_dict, as_list, as_str, malformed, not_asked_for
from ...models import Account, Amount, Community, Draft, Notification, Post
from ...network import MICROBLOGGING, AccountRef, Capability, CommunityRef, PostRef, TextLimit
from ...paging import check_limit
from ...retry import RetryPolicy
from ...settings import NetworkSettings
from ...text import links, normalise_tag, utf8_len
from ...urls import check_endpoint
from . import ops
from .chain import HIVE, STEEM, Chain, check_account, check_community, split_post_id
from .convert import (
    Seen,
    account_from_profile,
    amount_of,
    chain_account,
    chain_props,
    community_from_bridge,
    notification_from_bridge,
    post_from_bridge,
)
from .failures import (
    RpcError,
    check_broadcast_answer,
    is_duplicate_transaction,
    is_unchanged_vote,
    may_have_reached,
)
from .listing import StartAfter, post_cursor
from .pins import CommunityPins
from .rewards import RewardCycle
from .settings import HiveSettings, SteemSettings
from .sign import SignedTx, check_active_key, sign_transaction, tapos
from .tips import KeyedTips, chain_time
from .transport import RpcClient

__all__ = ["HiveNetwork", "SteemNetwork"]

KeyName = Literal["posting_key", "active_key"]
Item = TypeVar("Item", Notification, Community)
T = TypeVar("T")

#: Signed transactions a connection keeps for inspection (``HiveNetwork.signed``).
SIGNED_KEPT = 100
#: A transaction is at most 64 KiB (HIVE_MAX_TRANSACTION_SIZE); the body must leave room for the rest.
MAX_BODY_BYTES = 64_000
#: bridge.account_notifications and bridge.list_communities return at most 100 a page.
BRIDGE_MAX_PAGE = 100
#: The tag Hive and Steem front ends hide a post behind (the chain has no content-warning flag).
NSFW_TAG = "nsfw"
#: A transaction expires at most an hour after its head block (HIVE_MAX_TIME_UNTIL_EXPIRATION).
MAX_EXPIRATION = 3600


class HiveNetwork(KeyedTips, CommunityPins, RewardCycle, BaseNetwork[HiveSettings]):
    """Hive through the bridge API (reads) and locally signed transactions (writes).

    Writes are signed once with the configured posting (or, for ``tip``,
    active) key and broadcast to the configured nodes only; a retry re-sends
    the same signed transaction, so a write lands at most once. Pins are a
    community's (:mod:`.pins`): its moderators pin any post in it.
    """

    name: ClassVar[str] = "hive"
    resolves_publish_keys = True  # the permlink and the kept transaction come from the key
    Settings: ClassVar[type[NetworkSettings]] = HiveSettings
    #: Chain id, asset and field names; ``web_url`` follows the ``web_url`` setting.
    chain: Chain = HIVE
    page_size: ClassVar[int] = 20
    reward_terms = True  # beneficiaries and payout options: the post's comment_options
    # No quotes, and search only by tag; communities, weighted votes and rewards.
    capabilities = (MICROBLOGGING - {Capability.QUOTE, Capability.SEARCH}) | {
        Capability.COMMUNITIES,
        Capability.JOIN,
        Capability.COMMUNITY_POSTS,
        Capability.VOTE,
        Capability.REWARDS,
        Capability.CLAIM,
        Capability.TIP,
        Capability.MEDIA,
        Capability.EDIT,
        Capability.PIN,
    }
    lacks: ClassVar[dict[Capability, str]] = {
        # direct messages (issue 14)
        Capability.MESSAGING: "the chain has no private messages; the only note between accounts is a"
        " transfer's memo, which moves funds and is public unless memo-encrypted",
    }

    @property
    def identity(self) -> str:
        """The account name."""
        return self.settings.account or "read-only"

    def __init__(self, settings: HiveSettings | None = None, *, retry: RetryPolicy | None = None) -> None:
        super().__init__(settings, retry=retry)
        s = self.settings
        if s.account is not None:
            try:
                name = check_account(s.account, self.name)
            except errors.InvalidInput as exc:
                raise errors.ConfigurationError(exc.message, network=self.name) from None
            if name != s.account:  # "@alice" signs (and keeps its keys' records) as alice: the chain's name
                self.settings = s = s.model_copy(update={"account": name})
        if (s.posting_key or s.active_key) and not s.account:
            raise errors.ConfigurationError(
                f"{self.name}: keys need the account they belong to", network=self.name
            )
        nodes = [self._checked_node(node) for node in s.nodes]
        self.chain = self.chain.at(nodes, s.web_url)  # nodes: named by a wrong-chain error
        self._rpc = RpcClient(self.name, nodes, timeout=s.timeout, policy=self.retry, limits=s.limits)
        self.release_on_collect(self._rpc.close)
        #: The last ``SIGNED_KEPT`` transactions this connection signed, newest last (id and
        #: digest included); bounded, so a long-running bot does not hold every one it ever sent.
        self.signed: deque[SignedTx] = deque(maxlen=SIGNED_KEPT)
        self._signing = threading.Lock()
        self._head_uses: tuple[Any, int] = (None, 0)  # the TaPoS last signed on, and how often

    def _checked_node(self, node: str) -> str:
        """A node URL through ``check_endpoint``: https, or http for loopback or with ``allow_http``."""
        try:
            return check_endpoint(
                node, network=self.name, setting="nodes", allow_http=self.settings.allow_http
            )
        except errors.ConfigurationError as exc:
            # The core's message quotes the URL: never with the password a URL may carry.
            message = exc.message.replace(node, _USERINFO.sub("//***@", node))
            raise errors.ConfigurationError(message, network=self.name) from None

    def close(self) -> None:
        """Close the connections to the nodes."""
        self._rpc.close()

    def text_limit(self, draft: Draft | None = None) -> TextLimit:
        """The chain's body limit, in UTF-8 bytes, less what the rest of a draft's transaction takes
        (``ops.text_room``): a long text split into a thread makes parts the chain takes."""
        room = MAX_BODY_BYTES
        if draft is not None:
            try:
                reply = draft.reply_to is not None
                room = min(room, ops.text_room(draft, self.chain, reply=reply, app=self.settings.app))
            except errors.DecentSocialError:
                pass  # wrong in other ways: check_draft says how (ops.check_comment)
        return TextLimit(room, utf8_len, "bytes")

    def check_length(self, draft: Draft) -> None:
        """The shared check, saying so when the rest of the transaction is what leaves the text short."""
        rule = self.text_limit(draft)
        size = rule.measure(draft.text)
        if size > rule.limit and rule.limit < MAX_BODY_BYTES:
            why = "its title, image links, metadata and beneficiaries leave the text"
            message = f"text is {size} bytes; in the {self.name} transaction {why} {rule.limit}"
            raise errors.ContentRejected(message, network=self.name)
        super().check_length(draft)

    def check_draft(self, draft: Draft) -> None:
        """The shared checks, then Hive's: every post is public, a content warning or sensitive flag
        needs the ``nsfw`` tag and a link card its URL in the text (neither is sent otherwise), and
        what hived decides from the draft alone (tags, title, media by URL, beneficiaries, payout:
        ``ops.check_comment``, as publishing)."""
        super().check_draft(draft)
        if draft.visibility not in (None, "public"):
            raise errors.ContentRejected(f"{self.name} posts are always public", network=self.name)
        if (draft.content_warning or draft.sensitive) and NSFW_TAG not in draft.all_tags:
            # The chain has no such flag; front ends hide posts tagged nsfw. Never sent unmarked.
            raise errors.ContentRejected(
                f"{self.name} has no content warning or sensitive flag; front ends hide posts tagged "
                f"'{NSFW_TAG}': add it to Draft.tags to publish the post so marked",
                network=self.name,
            )
        if draft.mentions:  # front ends link an @name in the body only
            raise errors.ContentRejected(
                f"{self.name} has no mention list; write the @names into the text", network=self.name
            )
        if draft.link is not None and draft.link.url not in links(draft.text):
            # Front ends make a preview only of links in the body: the card would be dropped.
            raise errors.ContentRejected(
                f"{self.name} has no link cards; put the URL ({draft.link.url}) in the text",
                network=self.name,
            )
        ops.check_comment(draft, self.chain, reply=draft.reply_to is not None, app=self.settings.app)

    # ---------------------------------------------------------------- helpers

    def _call(self, method: str, params: Any, read: Callable[[Any], Any] | None = None) -> Any:
        """``method``'s answer, through ``read`` when given: every answer that holds amounts is read
        there, so that a node of the other chain is left out and the next one asked (``RpcClient``)."""
        return self._rpc.call(method, params, read=read)

    def _my_name(self) -> str:
        if not self.settings.account:
            raise errors.AuthenticationError(
                f"{self.name}: no account configured (connect with account=…)", network=self.name
            )
        return self.settings.account

    def _key(self, key: KeyName) -> str:
        secret = getattr(self.settings, key)
        if secret is None:
            self._my_name()
            raise errors.AuthenticationError(
                f"{self.name}: this operation needs the {key.replace('_', ' ')} (connect with {key}=…)",
                network=self.name,
            )
        value: str = secret.get_secret_value()
        return value

    def _post_ref(self, post: PostRef) -> tuple[str, str]:
        return split_post_id(self.post_id(post), self.name)

    def _name_of(self, account: AccountRef | None) -> str:
        if account is None:
            return self._my_name()
        return check_account(self.account_ref(account), self.name)

    def _post_list(self, method: str, query: dict[str, Any], limit: int | None) -> Iterator[Post]:
        """Bridge post lists: each page starts after the last post of the one before."""

        def fetch(cursor: tuple[str, str] | None, size: int) -> list[Post]:
            params = dict(query)
            if cursor is not None:
                params["start_author"], params["start_permlink"] = cursor
            params["limit"] = size

            def read(answer: Any) -> list[Post]:
                seen = Seen()
                return [post_from_bridge(as_dict(p), self.chain, seen) for p in as_list(answer)]

            found: list[Post] = self._call(method, params, read)
            return found

        # Bridge excludes the start post; a node that repeats it is asked for one more (.listing).
        return self._paged(StartAfter(fetch, post_cursor, self.page_size), limit, key=lambda p: p.id)

    def _by_id(
        self,
        method: str,
        params: dict[str, Any],
        cursor_param: str,
        convert: Callable[[Mapping[str, Any], Chain], Item],
        limit: int | None,
    ) -> Iterator[Item]:
        """Bridge lists paged by the id of the last item (notifications, communities), 100 a page."""

        def fetch(cursor: str | None, size: int) -> list[Item]:
            query = {**params, "limit": size, **({cursor_param: cursor} if cursor is not None else {})}
            found: list[Item] = self._call(
                method, query, lambda answer: [convert(as_dict(i), self.chain) for i in as_list(answer)]
            )
            return found

        pages: StartAfter[Item, str] = StartAfter(fetch, lambda item: item.id, BRIDGE_MAX_PAGE)  # as above
        return self._paged(pages, limit, page_size=BRIDGE_MAX_PAGE, key=lambda item: item.id)

    def _account_entry(self, name: str) -> dict[str, Any]:
        """``condenser_api.get_accounts`` for one account, as it came (its authorities)."""
        entry: dict[str, Any] = self._account_read(name, lambda found: found)
        return entry

    def _account_read(self, name: str, read: Callable[[dict[str, Any]], T]) -> T:
        """``condenser_api.get_accounts`` for one account (balances, unclaimed rewards), through ``read``;
        an entry of the other chain's node never reaches ``read`` (its keys are not this chain's)."""

        def entry(answer: Any) -> T:
            match = [a for a in as_list(answer) if isinstance(a, dict) and a.get("name") == name]
            if not match:
                raise errors.NotFound(f"account {name} not found", network=self.name)
            return read(chain_account(match[0], self.chain))

        found: T = self._call("condenser_api.get_accounts", [[name]], entry)
        return found

    # ---------------------------------------------------------------- reads

    def _me(self) -> Account:
        return self._account(self._my_name())

    def _account(self, handle: str) -> Account:
        name = check_account(handle, self.name)
        found: Account = self._call("bridge.get_profile", {"account": name}, lambda a: self._profile(a, name))
        if found.id != name:  # a node's answer for another account is no answer to this question
            raise not_asked_for(self.name, "account", name, found.id)
        return found

    def _profile(self, profile: Any, name: str) -> Account:
        if not profile:
            raise errors.NotFound(f"account {name} not found", network=self.name)
        return account_from_profile(as_dict(profile), self.chain)

    def _get_post(self, id: str) -> Post:
        author, permlink = split_post_id(id, self.name)

        def read(post: Any) -> Post:
            if not post:
                raise errors.NotFound(f"post {author}/{permlink} not found", network=self.name)
            return post_from_bridge(as_dict(post), self.chain)

        found: Post = self._call("bridge.get_post", {"author": author, "permlink": permlink}, read)
        if found.id != f"{author}/{permlink}":  # edit, pin or rewards would act on that other post
            raise not_asked_for(self.name, "post", f"{author}/{permlink}", found.id)
        return found

    def _post_header(self, id: str) -> None:
        """``NotFound`` unless post ``id`` exists: ``bridge.get_post_header``, the lightest read of one."""
        author, permlink = split_post_id(id, self.name)
        header = self._call("bridge.get_post_header", {"author": author, "permlink": permlink})
        if not header:
            raise errors.NotFound(f"post {author}/{permlink} not found", network=self.name)
        found = as_dict(header)
        if (found.get("author"), found.get("permlink")) != (author, permlink):
            got = f"{as_str(found.get('author'))}/{as_str(found.get('permlink'))}"
            raise not_asked_for(self.name, "post", f"{author}/{permlink}", got)

    def _posts(self, account: AccountRef | None, limit: int | None) -> Iterator[Post]:
        query = {"sort": "posts", "account": self._name_of(account)}
        return self._post_list("bridge.get_account_posts", query, limit)

    def blog(self, account: AccountRef | None = None, *, limit: int | None = 20) -> Iterator[Post]:
        """An account's blog: its posts and the posts it reblogged, newest first (``sort: "blog"``).

        ``posts()`` lists only what the account wrote; this is what its blog
        page shows. ``account`` defaults to the connected one.
        """
        self.require(Capability.POSTS)
        name = self._name_of(None if account is None else self._account_arg(account))
        query = {"sort": "blog", "account": name}
        return self._post_list("bridge.get_account_posts", query, check_limit(limit))

    def _timeline(self, limit: int | None) -> Iterator[Post]:
        query = {"sort": "feed", "account": self._my_name()}
        return self._post_list("bridge.get_account_posts", query, limit)

    def _search(self, query: str, limit: int | None) -> Iterator[Post]:
        tag = normalise_tag(query.lstrip("#"))  # lower-case as hivemind keeps tags, NFC as Post.tags
        if not query.startswith("#") or " " in tag:
            raise self.unsupported(Capability.SEARCH, "only '#tag' searches (bridge has no full-text search)")
        return self._post_list("bridge.get_ranked_posts", {"sort": "created", "tag": tag}, limit)

    def _thread(self, post: PostRef) -> list[Post]:
        author, permlink = self._post_ref(post)
        thread: list[Post] = self._call(
            "bridge.get_discussion",
            {"author": author, "permlink": permlink},
            lambda answer: self._discussion(as_dict(answer), f"{author}/{permlink}"),
        )
        return thread

    def _discussion(self, found: Mapping[str, Any], root: str) -> list[Post]:
        """A ``bridge.get_discussion`` answer as the thread of ``root``, each post once."""
        if root not in found:
            raise errors.NotFound(f"post {root} not found", network=self.name)
        ordered: list[Post] = []
        shared = Seen()  # what the discussion's posts share (authors, amounts) is built once
        stack = [root]
        seen: set[str] = set()
        while stack:  # depth-first in reply order: each post, then its replies (once: a node may loop)
            key = stack.pop()
            item = as_dict(found.get(key))
            if not item or key in seen:
                continue
            seen.add(key)
            ordered.append(post_from_bridge(item, self.chain, shared))
            if key == root and ordered[0].id != root:
                raise malformed(self.name, "discussion (its first post is another than asked for)")
            replies = item.get("replies")
            if replies:  # a leaf's (most posts of a discussion) is empty: no list built
                stack.extend(reversed([r for r in as_list(replies) if isinstance(r, str)]))
        return ordered

    def _notifications(self, limit: int | None) -> Iterator[Notification]:
        params: dict[str, Any] = {"account": self._my_name()}
        if self.settings.notification_min_score is not None:
            params["min_score"] = self.settings.notification_min_score
        return self._by_id("bridge.account_notifications", params, "last_id", notification_from_bridge, limit)

    def _communities(self, query: str | None, limit: int | None) -> Iterator[Community]:
        params = {"query": query} if query else {}
        return self._by_id("bridge.list_communities", params, "last", community_from_bridge, limit)

    def _community_name(self, community: CommunityRef) -> str:
        """A community id is an account name (``hive-123456``): checked before any request."""
        return check_account(self.community_id(community), self.name, what="community name")

    def _community(self, id: str) -> Community:
        id = self._community_name(id)

        def read(found: Any) -> Community:
            if not found:
                raise errors.NotFound(f"community {id} not found", network=self.name)
            return community_from_bridge(as_dict(found), self.chain)

        community: Community = self._call("bridge.get_community", {"name": id}, read)
        if community.id != id:  # another community's answer: a join or a post would go to the one asked
            raise not_asked_for(self.name, "community", id, community.id)
        return community

    def _community_posts(self, community: CommunityRef, limit: int | None) -> Iterator[Post]:
        query = {"sort": "created", "tag": self._community_name(community)}
        return self._post_list("bridge.get_ranked_posts", query, limit)

    # ---------------------------------------------------------------- writes

    def _head(self) -> tuple[dict[str, Any], datetime, int]:
        """TaPoS fields for a new transaction, the node's head block time and its last irreversible
        block number (0 when not sent); a typed error if unreadable."""
        props: Mapping[str, Any] = self._call(
            "condenser_api.get_dynamic_global_properties", [], lambda answer: chain_props(answer, self.chain)
        )
        try:
            base = tapos(
                int(props["head_block_number"]),
                str(props["head_block_id"]),
                str(props["time"]),
                self.settings.expiration_seconds,
            )
            irreversible = int(props.get("last_irreversible_block_num", 0))
        except (KeyError, TypeError, ValueError, OverflowError, struct.error) as exc:
            raise malformed(self.name, f"set of chain properties ({str(exc)[:200]})") from exc
        head_time: datetime = base["head_time"]
        return base, head_time, irreversible

    def _sign(self, operations: list[ops.OpJson], key: KeyName) -> SignedTx:
        """Sign ``operations`` once, on the node's head block (TaPoS).

        The id leaves out the signatures: the same operations signed twice on
        one head block would be one transaction, which the chain takes once
        (a second tip would pay nothing; an unfollow after follow, unfollow
        would be dropped as a duplicate). So each further transaction this
        connection signs on that block expires a second apart: one of its own.
        """
        wif = self._key(key)
        base, head_time, _ = self._head()
        with self._signing, localcontext():  # beem sets the caller's Decimal rounding to ROUND_DOWN
            ref = (base["ref_block_num"], base["ref_block_prefix"], base["expiration"])
            uses = self._head_uses[1] if self._head_uses[0] == ref else 0
            self._head_uses = (ref, uses + 1)
            if uses:
                expires = chain_time(base["expiration"]) + timedelta(seconds=uses)
                if expires > head_time + timedelta(seconds=MAX_EXPIRATION):  # past hived's hour: earlier
                    expires = chain_time(base["expiration"]) - timedelta(seconds=uses)
                base["expiration"] = expires.strftime("%Y-%m-%dT%H:%M:%S")
            tx = sign_transaction(operations, base, wif, self.chain, key)
            self.signed.append(tx)
        return tx

    def _send(self, tx: SignedTx, *, distinct: bool = False) -> None:
        """Broadcast ``tx`` under the retry policy; the same signed tx every attempt.

        A duplicate answer is success, except for a fresh ``distinct`` one (a
        payment) that no earlier attempt may have delivered: there it means
        another call sent the same, and this one did nothing.

        Raises the last failure. When any attempt may have reached a node (a
        timeout, a lost answer, a 5xx, a gateway's error object), the failure
        raised is a non-retryable ``NetworkUnavailable``: the transaction may
        be on chain, and only re-sending this very transaction (never a new one) is safe.
        """
        reached: list[bool] = []

        def send() -> None:
            try:
                answer = self._rpc.call("condenser_api.broadcast_transaction", [tx.json], retry=False)
                check_broadcast_answer(self.name, tx.id, answer)
            except errors.DecentSocialError as exc:
                cause = exc.__cause__
                if isinstance(cause, RpcError) and is_duplicate_transaction(cause.error):
                    if not distinct or any(reached):
                        self.log.info("transaction %s already known to the node: treated as sent", tx.id)
                        return
                    raise errors.ContentRejected(
                        f"an identical transaction ({tx.id}) was sent moments ago by another call; this "
                        "one sent nothing: wait for the next block (3 s) or make it differ (a tip's memo)",
                        network=self.name,
                    ) from exc
                reached.append(may_have_reached(exc))
                raise

        try:
            self.retry.call(send)  # same signed tx every attempt: at most once on chain
        except errors.DecentSocialError as exc:
            if any(reached) and not (isinstance(exc, errors.NetworkUnavailable) and not exc.retryable):
                raise errors.NetworkUnavailable(
                    f"transaction {tx.id} may have reached the node: {exc.message}", network=self.name
                ) from exc
            raise

    def _broadcast(self, operations: list[ops.OpJson], key: KeyName, *, distinct: bool = False) -> SignedTx:
        """Sign once, broadcast; a retry re-sends the same signed tx (see ``_send`` for ``distinct``)."""
        tx = self._sign(operations, key)
        self._send(tx, distinct=distinct)
        return tx

    def _publish(self, draft: Draft) -> Post:
        parent = split_post_id(draft.reply_to, self.name) if draft.reply_to else None
        me = self._my_name()
        self._key("posting_key")
        if parent is None and draft.community:  # else Hivemind files it under a tag, in no community
            self._must_exist(self._community, draft.community, "community", "post in")
        title = ops.title_of(draft) or (f"re {parent[1]}" if parent else "")
        permlink = ops.new_permlink(
            title, idempotency_key=draft.idempotency_key, parent_author=parent[0] if parent else None
        )
        operations = ops.comment_ops(
            draft, chain=self.chain, author=me, permlink=permlink, parent=parent, app=self.settings.app
        )
        if draft.idempotency_key and len(operations) > 1:
            tx = self._keyed_options(operations, f"publish:{draft.idempotency_key}")
        else:
            tx = self._broadcast(operations, "posting_key")
        comment = operations[0][1]
        return Post(
            network=self.name,
            id=f"{me}/{permlink}",
            url=f"{self.chain.web_url}/@{me}/{permlink}",
            author=Account(network=self.name, id=me, handle=me, url=f"{self.chain.web_url}/@{me}"),
            text=draft.text,
            title=comment["title"] or None,
            created_at=tx.head_time,
            reply_to=f"{parent[0]}/{parent[1]}" if parent else None,
            tags=tuple(json.loads(comment["json_metadata"])["tags"]),
            community=draft.community,
            raw={"transaction_id": tx.id, "operations": tx.json["operations"]},
        )

    def _own_id(self) -> str:
        """The account in the settings: who a post is by needs no request here."""
        return self._my_name()

    def _edit(self, post: Post, draft: Draft) -> Post:
        """A ``comment`` operation on the same permlink: hived replaces the body, title and metadata.

        The post keeps its parent and category (the chain's, which need not be
        its first tag: Steem refuses an edit that changes it); a root post keeps
        its title when the draft gives none.
        Payout options and beneficiaries are fixed at the first publish: a
        draft that sets them is refused, not edited without them.
        """
        if draft.beneficiaries or draft.payout is not None:
            raise self.invalid(
                "beneficiaries and payout options are set when a post is published; an edit cannot "
                "change them (leave them out of the edit's draft)"
            )
        author, permlink = self._post_ref(post)
        parent = split_post_id(post.reply_to, self.name) if post.reply_to else None
        self._key("posting_key")
        update: dict[str, Any] = {"beneficiaries": (), "payout": None, "community": post.community}
        if parent is None:
            category = _category_of(post)
            update["tags"] = (category, *draft.tags) if category else draft.tags
            if draft.title is None and post.title:
                update["title"] = post.title
        d = draft.model_copy(update=update)
        operations = ops.comment_ops(
            d, chain=self.chain, author=author, permlink=permlink, parent=parent, app=self.settings.app
        )
        tx = self._broadcast(operations, "posting_key")
        comment = operations[0][1]
        return post.model_copy(
            update={
                "text": d.text,
                "title": comment["title"] or None,
                "tags": tuple(json.loads(comment["json_metadata"])["tags"]),
                "edited_at": tx.head_time,
                "raw": {"transaction_id": tx.id, "operations": tx.json["operations"]},
            }
        )

    def _delete(self, post: PostRef) -> None:
        author, permlink = self._post_ref(post)
        me = self._my_name()
        if author != me:
            raise errors.PermissionDenied(f"{me} cannot delete a post by {author}", network=self.name)
        self._broadcast([["delete_comment", {"author": author, "permlink": permlink}]], "posting_key")

    def _vote(self, post: PostRef, weight: float) -> None:
        points = ops.vote_weight(weight, self.name)
        author, permlink = self._post_ref(post)
        me = self._my_name()
        vote = {"voter": me, "author": author, "permlink": permlink, "weight": points}
        try:
            self._broadcast([["vote", vote]], "posting_key")
        except errors.ContentRejected as exc:
            # Liking again, or unliking what was never liked, changes nothing (the protocol's promise):
            # hived refuses such a vote, and the chain already holds what was asked for.
            if not (isinstance(exc.__cause__, RpcError) and is_unchanged_vote(exc.__cause__.error)):
                raise
            self.log.info("the vote on %s/%s is already at %s%%: nothing to change", author, permlink, weight)

    def _like(self, post: PostRef) -> None:
        self._vote(post, 100.0)

    def _unlike(self, post: PostRef) -> None:
        self._vote(post, 0.0)

    def _repost(self, post: PostRef) -> Post | None:
        author, permlink = self._post_ref(post)
        me = self._my_name()
        self._key("posting_key")
        self._must_exist(self._post_header, f"{author}/{permlink}", "post", "repost")
        reblog = ["reblog", {"account": me, "author": author, "permlink": permlink}]
        self._broadcast([ops.custom_json_op(me, "follow", reblog)], "posting_key")
        return None

    def _set_follow(self, account: AccountRef, what: list[str]) -> None:
        target = self._name_of(account)
        me = self._my_name()
        if target == me:  # Hivemind drops it ("can't follow self"): the call would do nothing
            raise self.invalid(f"{me} cannot follow or unfollow itself (Hivemind ignores it)")
        self._key("posting_key")  # a connection without the key is told so before any request
        self._must_exist(self._account, target, "account", "follow" if what else "unfollow")
        follow = ["follow", {"follower": me, "following": target, "what": what}]
        self._broadcast([ops.custom_json_op(me, "follow", follow)], "posting_key")

    def _must_exist(self, read: Callable[[str], object], name: str, kind: str, verb: str) -> None:
        """``NotFound`` unless Hivemind, which applies the operation, knows the account, community or
        post ``name`` (one read): the chain takes a write naming nothing, Hivemind drops it unsaid."""
        try:
            read(name)
        except errors.NotFound as exc:
            raise errors.NotFound(
                f"cannot {verb} {name}: no such {self.name} {kind} (nothing was signed)",
                network=self.name,
                server_message=exc.server_message,
            ) from exc

    def _follow(self, account: AccountRef) -> None:
        self._set_follow(account, ["blog"])

    def _unfollow(self, account: AccountRef) -> None:
        self._set_follow(account, [])

    def _subscribe(self, community: CommunityRef, action: str) -> None:
        name = check_community(self.community_id(community), self.name)  # Hivemind ignores any other
        me = self._my_name()
        self._key("posting_key")
        self._must_exist(self._community, name, "community", "join" if action == "subscribe" else "leave")
        self._broadcast([ops.custom_json_op(me, "community", [action, {"community": name}])], "posting_key")

    def _join(self, community: CommunityRef) -> None:
        self._subscribe(community, "subscribe")

    def _leave(self, community: CommunityRef) -> None:
        self._subscribe(community, "unsubscribe")

    def _tip(self, to: AccountRef | PostRef, amount: Amount, memo: str, idempotency_key: str | None) -> str:
        if isinstance(to, Post):
            recipient = to.author.handle
        else:
            target = self.account_ref(to)
            recipient = split_post_id(target, self.name)[0] if "/" in target else target
        me = self._my_name()
        op = ops.transfer_op(self.chain, me, recipient, amount, memo)
        self._key("active_key")
        if idempotency_key is None:
            self._check_balance(me, amount)
            return self._broadcast([op], "active_key", distinct=True).id
        return self._keyed_tip(op, amount, f"tip:{idempotency_key}")

    def _check_balance(self, account: str, amount: Amount) -> None:
        names = ("balance",) if amount.asset == self.chain.liquid else ("hbd_balance", "sbd_balance")

        def read(entry: dict[str, Any]) -> Decimal:
            check_active_key(self._key("active_key"), entry, self.name)  # the transfer's key, read here
            raw = next((entry[n] for n in names if n in entry), None)
            if raw is None:
                raise errors.NotFound(
                    f"the node sent no {amount.asset} balance for {account}", network=self.name
                )
            return amount_of(raw, self.chain).value  # the field says which asset it is

        balance = self._account_read(account, read)
        if amount.value > balance:
            raise errors.ContentRejected(
                f"{account} has {balance} {amount.asset}, less than {amount}", network=self.name
            )


#: The user:password@ part of a URL (kept out of error messages).
_USERINFO = re.compile(r"//[^/?#]*@")


def _category_of(post: Post) -> str | None:
    """A root post's category (its ``parent_permlink``): bridge's ``category``, or the one this
    connection sent (a post from ``publish``/``edit``), else its community or first tag."""
    raw = post.raw or {}
    if isinstance(raw.get("category"), str) and raw["category"]:
        return str(raw["category"])
    for op in as_list(raw.get("operations")):
        body = as_dict(op[1]) if isinstance(op, list) and len(op) == 2 and op[0] == "comment" else {}
        if body.get("parent_author") == "" and isinstance(body.get("parent_permlink"), str):
            return str(body["parent_permlink"]) or None
    return post.community or (post.tags[0] if post.tags else None)


class SteemNetwork(HiveNetwork):
    """Steem: the same protocol, Steem's chain id and asset names (STEEM, SBD, SP)."""

    name: ClassVar[str] = "steem"
    Settings: ClassVar[type[NetworkSettings]] = SteemSettings
    chain: Chain = STEEM
    capabilities = HiveNetwork.capabilities - {Capability.PIN}
    lacks: ClassVar[dict[Capability, str]] = {
        **HiveNetwork.lacks,
        Capability.PIN: "a Steem account has no profile pins, and decentsocial pins only in Hive's "
        "communities (Hivemind's pinPost and roles, checked against recorded Hive answers), not Steem's",
    }
