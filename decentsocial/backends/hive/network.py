"""The Hive and Steem backends: bridge API reads, locally signed writes, the reward cycle."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, field_validator

from ...base import BaseNetwork
from ...errors import (
    AuthenticationError,
    ConfigurationError,
    ContentRejected,
    DecentSocialError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from ...models import Account, Amount, Community, Draft, Notification, Post, Reward, RewardPart, as_draft
from ...network import AccountRef, Capability, CommunityRef, PostRef, TextLimit
from ...paging import Page, paginate
from ...retry import RetryPolicy
from ...settings import NetworkSettings
from ...text import utf8_len
from . import ops as _ops
from .convert import (
    account_from_profile,
    amount_of,
    community_from_bridge,
    notification_from_bridge,
    post_from_bridge,
    when,
)
from .ops import Chain
from .transport import RpcClient, RpcError, is_duplicate_transaction
from .sign import SignedTx, sign_transaction, tapos

__all__ = ["HiveNetwork", "HiveSettings", "SteemNetwork", "SteemSettings"]

KeyName = Literal["posting_key", "active_key"]

#: Signed transactions a connection keeps for inspection (``HiveNetwork.signed``).
SIGNED_KEPT = 100
#: A transaction is at most 64 KiB (HIVE_MAX_TRANSACTION_SIZE); the body must leave room for the rest.
MAX_BODY_BYTES = 64_000

#: account_history_api operation_filter_low bits (hived operation numbers).
REWARD_OPS = {"claim": 39, "author": 51, "curation": 52, "benefactor": 63}
_OP_ROLE = {
    "author_reward_operation": "author",
    "curation_reward_operation": "curation",
    "comment_benefactor_reward_operation": "benefactor",
    "claim_reward_balance_operation": "claim",
}


class HiveSettings(NetworkSettings):
    """Settings for ``connect("hive", …)``: nodes are required; keys are optional (read-only without)."""

    nodes: tuple[str, ...] = Field(min_length=1)
    account: str | None = None
    posting_key: SecretStr | None = None
    active_key: SecretStr | None = None
    app: str = "decentsocial"
    timeout: float = Field(default=10.0, gt=0, le=120)
    retries: int = Field(default=3, ge=1, le=10)
    expiration_seconds: int = Field(default=60, ge=10, le=3600)
    web_url: str | None = None
    #: bridge.account_notifications min_score (None: the node's default, 25).
    notification_min_score: int | None = Field(default=None, ge=0, le=100)

    @field_validator("nodes", mode="before")
    @classmethod
    def _nodes(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = (value,)
        for node in value or ():
            if not isinstance(node, str) or not node.startswith(("http://", "https://")):
                raise ValueError("each node must be an http(s) URL")
        return value


class SteemSettings(HiveSettings):
    """Settings for ``connect("steem", …)``: the same as Hive's."""


class HiveNetwork(BaseNetwork):
    """Hive through the bridge API (reads) and locally signed transactions (writes)."""

    name: ClassVar[str] = "hive"
    Settings: ClassVar[type[NetworkSettings]] = HiveSettings
    chain: Chain = _ops.HIVE
    page_size: ClassVar[int] = 20
    capabilities = frozenset(
        {
            Capability.PROFILE,
            Capability.PUBLISH,
            Capability.REPLY,
            Capability.READ,
            Capability.DELETE,
            Capability.LIKE,
            Capability.VOTE,
            Capability.REPOST,
            Capability.FOLLOW,
            Capability.POSTS,
            Capability.TIMELINE,
            Capability.TAG_SEARCH,
            Capability.THREAD,
            Capability.NOTIFICATIONS,
            Capability.COMMUNITIES,
            Capability.JOIN,
            Capability.COMMUNITY_POSTS,
            Capability.REWARDS,
            Capability.CLAIM,
            Capability.TIP,
            Capability.MEDIA,
            Capability.IDEMPOTENT_PUBLISH,
        }
    )

    def __init__(self, settings: NetworkSettings | None = None) -> None:
        super().__init__(settings)
        s = self.settings
        assert isinstance(s, HiveSettings)
        self._s = s
        if s.account is not None:
            try:
                _ops.check_account(s.account, self.name)
            except InvalidInput as exc:
                raise ConfigurationError(exc.message, network=self.name) from None
        if (s.posting_key or s.active_key) and not s.account:
            raise ConfigurationError(f"{self.name}: keys need the account they belong to", network=self.name)
        if s.web_url:
            self.chain = replace(self.chain, web_url=s.web_url.rstrip("/"))
        self._rpc = RpcClient(
            self.name,
            s.nodes,
            timeout=s.timeout,
            policy=RetryPolicy(attempts=s.retries, total_seconds=max(s.timeout * s.retries, 5.0)),
        )
        #: The last ``SIGNED_KEPT`` transactions this connection signed, newest last (id and
        #: digest included); bounded, so a long-running bot does not hold every one it ever sent.
        self.signed: deque[SignedTx] = deque(maxlen=SIGNED_KEPT)

    def close(self) -> None:
        self._rpc.close()

    # ---------------------------------------------------------------- helpers

    def _call(self, method: str, params: Any) -> Any:
        return self._rpc.call(method, params)

    def _me(self) -> str:
        if not self._s.account:
            raise AuthenticationError(
                f"{self.name}: no account configured (connect with account=…)", network=self.name
            )
        return self._s.account

    def _key(self, key: KeyName) -> str:
        secret = getattr(self._s, key)
        if secret is None:
            self._me()
            raise AuthenticationError(
                f"{self.name}: this operation needs the {key.replace('_', ' ')} (connect with {key}=…)",
                network=self.name,
            )
        value: str = secret.get_secret_value()
        return value

    def _post_ref(self, post: PostRef) -> tuple[str, str]:
        return _ops.split_post_id(self.post_id(post), self.name)

    def _account(self, account: AccountRef | None) -> str:
        if account is None:
            return self._me()
        return _ops.check_account(self.account_ref(account), self.name)

    def _paged(self, method: str, base: dict[str, Any], limit: int | None) -> Iterator[Post]:
        """Bridge post lists: each page starts after the last post of the one before."""

        def fetch(cursor: tuple[str, str] | None, size: int) -> Page[Post, tuple[str, str]]:
            params = dict(base)
            if cursor is not None:
                params["start_author"], params["start_permlink"] = cursor
            params["limit"] = size
            items = self._call(method, params) or []
            posts = [post_from_bridge(p, self.chain) for p in items]
            last = (str(items[-1]["author"]), str(items[-1]["permlink"])) if len(items) >= size else None
            return Page(posts, last)

        # The start post is excluded by bridge; de-duplicating by id guards against nodes that repeat it.
        return paginate(fetch, limit=limit, page_size=self.page_size, key=lambda p: p.id)

    # ---------------------------------------------------------------- reads

    def me(self) -> Account:
        return self.account(self._me())

    def account(self, handle: str) -> Account:
        name = _ops.check_account(self.account_ref(handle), self.name)
        profile = self._call("bridge.get_profile", {"account": name})
        if not profile:
            raise NotFound(f"account {name} not found", network=self.name)
        return account_from_profile(profile, self.chain)

    def get_post(self, id: str) -> Post:
        author, permlink = self._post_ref(id)
        post = self._call("bridge.get_post", {"author": author, "permlink": permlink})
        if not post:
            raise NotFound(f"post {author}/{permlink} not found", network=self.name)
        return post_from_bridge(post, self.chain)

    def posts(
        self, account: AccountRef | None = None, *, limit: int | None = 20, reblogs: bool = False
    ) -> Iterator[Post]:
        name = self._account(account)
        sort = "blog" if reblogs else "posts"
        return self._paged("bridge.get_account_posts", {"sort": sort, "account": name}, limit)

    def timeline(self, *, limit: int | None = 20) -> Iterator[Post]:
        return self._paged("bridge.get_account_posts", {"sort": "feed", "account": self._me()}, limit)

    def search(self, query: str, *, limit: int | None = 20) -> Iterator[Post]:
        text = query.strip() if isinstance(query, str) else ""
        if not text.startswith("#") or len(text) < 2 or " " in text:
            raise self.unsupported(Capability.SEARCH, "only '#tag' searches (bridge has no full-text search)")
        return self._paged("bridge.get_ranked_posts", {"sort": "created", "tag": text[1:].lower()}, limit)

    def thread(self, post: PostRef) -> list[Post]:
        author, permlink = self._post_ref(post)
        found = self._call("bridge.get_discussion", {"author": author, "permlink": permlink})
        if not found:
            raise NotFound(f"post {author}/{permlink} not found", network=self.name)
        root = f"{author}/{permlink}"
        if root not in found:
            raise NotFound(f"post {root} not found", network=self.name)
        ordered: list[Post] = []
        stack = [root]
        while stack:  # depth-first in reply order: each post, then its replies
            key = stack.pop()
            item = found.get(key)
            if item is None:
                continue
            ordered.append(post_from_bridge(item, self.chain))
            stack.extend(reversed([r for r in item.get("replies") or [] if isinstance(r, str)]))
        return ordered

    def notifications(self, *, limit: int | None = 20) -> Iterator[Notification]:
        account = self._me()

        def fetch(cursor: str | None, size: int) -> Page[Notification, str]:
            params: dict[str, Any] = {"account": account, "limit": min(size, 100)}
            if self._s.notification_min_score is not None:
                params["min_score"] = self._s.notification_min_score
            if cursor is not None:
                params["last_id"] = cursor
            items = self._call("bridge.account_notifications", params) or []
            out = [notification_from_bridge(i, self.chain) for i in items]
            return Page(out, str(items[-1]["id"]) if len(items) >= size else None)

        return paginate(fetch, limit=limit, page_size=100, key=lambda n: n.id)

    def communities(self, query: str | None = None, *, limit: int | None = 20) -> Iterator[Community]:
        def fetch(cursor: str | None, size: int) -> Page[Community, str]:
            params: dict[str, Any] = {"limit": size}
            if query:
                params["query"] = query
            if cursor is not None:
                params["last"] = cursor
            items = self._call("bridge.list_communities", params) or []
            out = [community_from_bridge(c, self.chain) for c in items]
            return Page(out, str(items[-1]["name"]) if len(items) >= size else None)

        return paginate(fetch, limit=limit, page_size=100, key=lambda c: c.id)

    def community(self, id: str) -> Community:
        name = self.community_id(id)
        found = self._call("bridge.get_community", {"name": name})
        if not found:
            raise NotFound(f"community {name} not found", network=self.name)
        return community_from_bridge(found, self.chain)

    def community_posts(self, community: CommunityRef, *, limit: int | None = 20) -> Iterator[Post]:
        name = self.community_id(community)
        return self._paged("bridge.get_ranked_posts", {"sort": "created", "tag": name}, limit)

    # ---------------------------------------------------------------- rewards

    def rewards(self, post: PostRef) -> Reward:
        found = (
            post if isinstance(post, Post) and post.reward is not None else self.get_post(self.post_id(post))
        )
        assert found.reward is not None
        return found.reward

    def pending_rewards(self, account: AccountRef | None = None) -> Reward:
        name = self._account(account)
        found = self._call("condenser_api.get_accounts", [[name]]) or []
        match = [a for a in found if isinstance(a, dict) and a.get("name") == name]
        if not match:
            raise NotFound(f"account {name} not found", network=self.name)
        return self._claimable(match[0])

    def _claimable(self, acct: dict[str, Any]) -> Reward:
        c = self.chain

        def field(names: tuple[str, ...], asset: str, places: int = 3) -> Amount:
            # The field says which asset it is; the label follows this chain's names.
            for name in names:
                if name in acct:
                    return Amount(value=amount_of(acct[name], c).value, asset=asset)
            return Amount.zero(asset, places)

        backed = field(("reward_hbd_balance", "reward_sbd_balance"), c.backed)
        liquid = field(("reward_hive_balance", "reward_steem_balance"), c.liquid)
        vests = field(("reward_vesting_balance",), "VESTS", 6)
        power = field(("reward_vesting_hive", "reward_vesting_steem"), c.power)
        amounts = (backed, liquid, vests, power)
        status = "claimable" if any(a.value > 0 for a in amounts[:3]) else "none"
        return Reward(
            network=self.name,
            subject=str(acct["name"]),
            status=status,
            amounts=amounts,
            raw={"name": acct["name"]},
        )

    def claim_rewards(self) -> Reward:
        me = self._me()
        self._key("posting_key")
        pending = self.pending_rewards(me)
        backed, liquid, vests = (pending.amounts[0], pending.amounts[1], pending.amounts[2])
        if pending.status == "none":
            return pending
        op = _ops.claim_op(self.chain, me, liquid, backed, vests)
        tx = self._broadcast([op], "posting_key")
        return Reward(
            network=self.name,
            subject=me,
            status="paid",
            amounts=pending.amounts,
            parts=(RewardPart(role="claim", account=me, amounts=pending.amounts),),
            raw={"transaction_id": tx.id},
        )

    def reward_history(
        self,
        account: AccountRef | None = None,
        *,
        kinds: Sequence[str] = ("author", "curation", "benefactor", "claim"),
        start: int = -1,
        page_size: int = 1000,
        server_filter: bool = True,
        limit: int | None = None,
    ) -> Iterator[Reward]:
        """Author, curation, beneficiary and claim operations, newest first, from account history."""
        name = self._account(account)
        unknown = set(kinds) - set(REWARD_OPS)
        if unknown or not kinds:
            raise InvalidInput(
                f"reward kinds are {sorted(REWARD_OPS)}, got {sorted(unknown) or 'none'}", network=self.name
            )
        if not 1 <= page_size <= 1000:
            raise InvalidInput("page_size must be 1…1000", network=self.name)
        mask = sum(1 << REWARD_OPS[k] for k in kinds)
        wanted = {f"{op}" for op, role in _OP_ROLE.items() if role in kinds}

        def fetch(cursor: int | None, size: int) -> Page[Reward, int]:
            begin = start if cursor is None else cursor
            while True:  # a page without rewards is skipped: paginate ends at an empty page
                # hived/HAfAH refuse start < limit - 1, steemd start < limit: near index 0 ask for fewer.
                room = begin if self.name == "steem" else begin + 1
                count = page_size if begin < 0 else min(page_size, room)
                if count < 1:
                    return Page([], None)
                params: dict[str, Any] = {"account": name, "start": begin, "limit": count}
                if server_filter:
                    params["operation_filter_low"] = mask
                found = self._call("account_history_api.get_account_history", params) or {}
                history = found.get("history", []) if isinstance(found, dict) else []
                items = [
                    reward
                    for entry in reversed(history)
                    if entry[1]["op"]["type"] in wanted
                    and (reward := self._history_reward(name, entry)) is not None
                ]
                lowest = min((int(e[0]) for e in history), default=0)
                more = len(history) >= count and lowest > 0
                if items or not more:
                    return Page(items, lowest - 1 if more else None)
                begin = lowest - 1

        return paginate(fetch, limit=limit, page_size=page_size)

    def _history_reward(self, account: str, entry: list[Any]) -> Reward | None:
        """The reward ``account`` earned in a history entry; None for a beneficiary paid from its post."""
        index, item = entry
        op_type, value = item["op"]["type"], item["op"]["value"]
        role = _OP_ROLE[op_type]
        if role == "benefactor" and value.get("benefactor", account) != account:
            return None  # hived lists it in the author's history too
        c = self.chain
        amounts: list[Amount] = []
        if role == "author":
            for key in ("hbd_payout", "sbd_payout", "hive_payout", "steem_payout", "vesting_payout"):
                if key in value:
                    amounts.append(amount_of(value[key], c))
            subject = f"{value['author']}/{value['permlink']}"
        elif role in ("curation", "benefactor"):
            if "reward" in value:
                amounts.append(amount_of(value["reward"], c))
            for key in ("hbd_payout", "sbd_payout", "hive_payout", "steem_payout", "vesting_payout"):
                if key in value:
                    amounts.append(amount_of(value[key], c))
            author = value.get("author", value.get("comment_author"))
            subject = f"{author}/{value.get('permlink', value.get('comment_permlink'))}"
        else:
            for key in ("reward_hive", "reward_steem", "reward_hbd", "reward_sbd", "reward_vests"):
                if key in value:
                    amounts.append(amount_of(value[key], c))
            subject = account
        amounts = _dedupe(amounts)
        part = RewardPart(
            role={"curation": "curator", "benefactor": "beneficiary"}.get(role, role),
            account=account,
            amounts=tuple(amounts),
        )
        return Reward(
            network=self.name,
            subject=subject,
            status="paid",
            amounts=tuple(amounts),
            payout_at=when(item.get("timestamp")),
            parts=(part,),
            raw={"index": index, "op": item["op"], "trx_id": item.get("trx_id"), "block": item.get("block")},
        )

    # ---------------------------------------------------------------- writes

    def _broadcast(self, ops: list[_ops.OpJson], key: KeyName) -> SignedTx:
        """Sign once, broadcast; a retry re-sends the same signed tx and a duplicate answer is success."""
        wif = self._key(key)
        props = self._call("condenser_api.get_dynamic_global_properties", [])
        try:
            base = tapos(
                int(props["head_block_number"]),
                str(props["head_block_id"]),
                str(props["time"]),
                self._s.expiration_seconds,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DecentSocialError("the node sent incomplete chain properties", network=self.name) from exc
        tx = sign_transaction(ops, base, wif, self.chain, key)
        self.signed.append(tx)

        def send() -> None:
            try:
                self._rpc.call("condenser_api.broadcast_transaction", [tx.json], retry=False)
            except DecentSocialError as exc:
                cause = exc.__cause__
                if isinstance(cause, RpcError) and is_duplicate_transaction(cause.error):
                    self.log.info("transaction %s already known to the node: treated as sent", tx.id)
                    return
                raise

        self._rpc.policy.call(send)  # same signed tx every attempt: at most once on chain
        return tx

    def _publish(self, draft: Draft, parent: tuple[str, str] | None) -> Post:
        me = self._me()
        self._key("posting_key")
        self.check_draft(draft)
        title = _ops.title_of(draft) or (f"re {parent[1]}" if parent else "")
        permlink = _ops.new_permlink(
            title, idempotency_key=draft.idempotency_key, parent_author=parent[0] if parent else None
        )
        ops = _ops.comment_ops(
            draft, chain=self.chain, author=me, permlink=permlink, parent=parent, app=self._s.app
        )
        tx = self._broadcast(ops, "posting_key")
        comment = ops[0][1]
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

    def publish(self, draft: Draft | str) -> Post:
        d = as_draft(draft)
        parent = self._post_ref(d.reply_to) if d.reply_to else None
        return self._publish(d, parent)

    def reply(self, to: PostRef, draft: Draft | str) -> Post:
        parent = self._post_ref(to)
        return self._publish(as_draft(draft), parent)

    def delete(self, post: PostRef) -> None:
        author, permlink = self._post_ref(post)
        me = self._me()
        if author != me:
            raise PermissionDenied(f"{me} cannot delete a post by {author}", network=self.name)
        self._broadcast([["delete_comment", {"author": author, "permlink": permlink}]], "posting_key")

    def vote(self, post: PostRef, weight: float) -> None:
        points = _ops.vote_weight(weight, self.name)
        author, permlink = self._post_ref(post)
        me = self._me()
        self._broadcast(
            [["vote", {"voter": me, "author": author, "permlink": permlink, "weight": points}]], "posting_key"
        )

    def like(self, post: PostRef) -> None:
        self.vote(post, 100)

    def unlike(self, post: PostRef) -> None:
        self.vote(post, 0)

    def repost(self, post: PostRef) -> Post | None:
        author, permlink = self._post_ref(post)
        me = self._me()
        self._broadcast(
            [
                _ops.custom_json_op(
                    me, "follow", ["reblog", {"account": me, "author": author, "permlink": permlink}]
                )
            ],
            "posting_key",
        )
        return None

    def _follow(self, account: AccountRef, what: list[str]) -> None:
        target = self._account(account)
        me = self._me()
        self._broadcast(
            [
                _ops.custom_json_op(
                    me, "follow", ["follow", {"follower": me, "following": target, "what": what}]
                )
            ],
            "posting_key",
        )

    def follow(self, account: AccountRef) -> None:
        self._follow(account, ["blog"])

    def unfollow(self, account: AccountRef) -> None:
        self._follow(account, [])

    def _subscribe(self, community: CommunityRef, action: str) -> None:
        name = _ops.check_account(self.community_id(community), self.name, what="community name")
        me = self._me()
        self._broadcast([_ops.custom_json_op(me, "community", [action, {"community": name}])], "posting_key")

    def join(self, community: CommunityRef) -> None:
        self._subscribe(community, "subscribe")

    def leave(self, community: CommunityRef) -> None:
        self._subscribe(community, "unsubscribe")

    def tip(self, to: AccountRef | PostRef, amount: Amount | str, memo: str = "") -> str:
        if isinstance(to, Post):
            recipient = to.author.handle
        else:
            target = self.account_ref(to)
            recipient = _ops.split_post_id(target, self.name)[0] if "/" in target else target
        value = Amount.parse(amount)
        me = self._me()
        op = _ops.transfer_op(self.chain, me, recipient, value, memo)
        self._key("active_key")
        self._check_balance(me, value)
        return self._broadcast([op], "active_key").id

    def _check_balance(self, account: str, amount: Amount) -> None:
        found = self._call("condenser_api.get_accounts", [[account]]) or []
        match = [a for a in found if isinstance(a, dict) and a.get("name") == account]
        if not match:
            raise NotFound(f"account {account} not found", network=self.name)
        names = ("balance",) if amount.asset == self.chain.liquid else ("hbd_balance", "sbd_balance")
        raw = next((match[0][n] for n in names if n in match[0]), None)
        if raw is None:
            raise NotFound(f"the node sent no {amount.asset} balance for {account}", network=self.name)
        balance = amount_of(raw, self.chain).value  # the field says which asset it is
        if amount.value > balance:
            raise ContentRejected(
                f"{account} has {balance} {amount.asset}, less than {amount}", network=self.name
            )

    def text_limit(self, draft: Draft | None = None) -> TextLimit:
        """The chain's body limit, in UTF-8 bytes; ``check_draft`` enforces it."""
        return TextLimit(MAX_BODY_BYTES, utf8_len, "bytes")

    def check_draft(self, draft: Draft) -> None:
        super().check_draft(draft)
        if draft.visibility not in (None, "public"):
            raise ContentRejected(f"{self.name} posts are always public", network=self.name)


def _dedupe(amounts: list[Amount]) -> list[Amount]:
    seen: dict[str, Amount] = {}
    for a in amounts:
        seen[a.asset] = seen[a.asset] + a if a.asset in seen else a
    return list(seen.values())


class SteemNetwork(HiveNetwork):
    """Steem: the same protocol, Steem's chain id and asset names (STEEM, SBD, SP)."""

    name: ClassVar[str] = "steem"
    Settings: ClassVar[type[NetworkSettings]] = SteemSettings
    chain: Chain = _ops.STEEM
