"""The reward cycle on Hive/Steem: a post's payout, an account's pending rewards, claiming them, and
the rewards paid (account history), kept apart from ``network.py``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from ... import errors
from ...coerce import as_dict, as_list
from ...models import Post, Reward, RewardPart
from ...network import AccountRef, PostRef
from ...paging import Page, check_limit
from . import ops
from .convert import REWARD_OPS, claimable_reward, history_index, reward_from_history

if TYPE_CHECKING:
    from .network import HiveNetwork

__all__ = ["RewardCycle"]


class RewardCycle:
    """The reward hooks of :class:`HiveNetwork`, and its ``reward_history``."""

    def _rewards(self, post: PostRef) -> Reward:
        net = cast("HiveNetwork", self)
        found = (
            post if isinstance(post, Post) and post.reward is not None else net._get_post(net.post_id(post))
        )
        assert found.reward is not None  # post_from_bridge always sets it
        return found.reward

    def _pending_rewards(self, account: AccountRef | None) -> Reward:
        net = cast("HiveNetwork", self)
        return net._account_read(net._name_of(account), lambda entry: claimable_reward(entry, net.chain))

    def _claim_rewards(self) -> Reward:
        net = cast("HiveNetwork", self)
        me = net._my_name()
        net._key("posting_key")
        pending = net._pending_rewards(me)
        if pending.status == "none":
            return pending
        backed, liquid, vests = pending.amounts[:3]
        tx = net._broadcast([ops.claim_op(net.chain, me, liquid, backed, vests)], "posting_key")
        return Reward(
            network=net.name,
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
        """Author, curation, beneficiary and claim rewards, newest first, from account history.

        The protocol's ``rewards``/``pending_rewards`` say what a post or an
        account has pending; this is what was paid. ``start`` is a history
        index (-1: the newest); ``server_filter`` asks the node to send only
        reward operations (nodes without the filter need ``False``).
        """
        net = cast("HiveNetwork", self)
        name = net._name_of(account)
        unknown = set(kinds) - set(REWARD_OPS)
        if unknown or not kinds:
            raise errors.InvalidInput(
                f"reward kinds are {sorted(REWARD_OPS)}, got {sorted(unknown) or 'none'}", network=net.name
            )
        # Checked before any request: a float, a bool or a string went to the node as it was.
        if not _whole(page_size) or not 1 <= page_size <= 1000:
            raise errors.InvalidInput(
                f"page_size must be a whole number 1…1000, got {page_size!r}", network=net.name
            )
        if not _whole(start) or start < -1:
            raise errors.InvalidInput(
                f"start must be a history index (0 or more) or -1 for the newest, got {start!r}",
                network=net.name,
            )
        mask = sum(1 << REWARD_OPS[k] for k in kinds)
        wanted = frozenset(kinds)
        max_pages = net.settings.limits.max_pages
        requests = 0

        def read(answer: Any) -> tuple[list[Any], list[Reward]]:
            """A history page and its rewards, newest first (read as the node is known: ``_call``)."""
            history = as_list(as_dict(answer).get("history"))
            rewards = [
                reward
                for entry in reversed(history)
                if (reward := reward_from_history(entry, name, net.chain, wanted)) is not None
            ]
            return history, rewards

        def fetch(cursor: int | None, size: int) -> Page[Reward, int]:
            """One page with rewards; pages without any are skipped here, each request counted."""
            nonlocal requests
            begin = start if cursor is None else cursor
            while True:  # a page without rewards is skipped: paginate ends at an empty page
                # hived/HAfAH refuse start < limit - 1, steemd start < limit: near index 0 ask for fewer.
                room = begin if net.name == "steem" else begin + 1
                count = page_size if begin < 0 else min(page_size, room)
                if count < 1:
                    return Page([], None)
                # paginate counts only the pages returned: the skipped ones must count too.
                requests += 1
                if requests > max_pages:
                    raise errors.NetworkUnavailable(
                        f"a listing ran past {max_pages} pages (the max_pages limit)", network=net.name
                    )
                params: dict[str, Any] = {"account": name, "start": begin, "limit": count}
                if server_filter:
                    params["operation_filter_low"] = mask
                history, items = net._call("account_history_api.get_account_history", params, read)
                indexes = [i for i in map(history_index, history) if i is not None]
                lowest = min(indexes, default=0)
                more = len(history) >= count and lowest > 0
                if more and 0 <= begin <= lowest - 1:  # history runs newest first: it must move back
                    raise errors.NetworkUnavailable(
                        f"the node's history cursor did not move back from index {begin}", network=net.name
                    )
                if items or not more:
                    return Page(items, lowest - 1 if more else None)
                begin = lowest - 1

        return net._paged(fetch, check_limit(limit), page_size=page_size)


def _whole(value: object) -> bool:
    """Whether ``value`` is an int (a bool is not one: ``True`` is no page size)."""
    return isinstance(value, int) and not isinstance(value, bool)
