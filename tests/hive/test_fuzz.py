"""The converters on mutated node answers: a model or a DecentSocialError, never anything else.

Seeds are the recorded hivemind/hived answers in ``tests/fixtures/hive``
(bridge posts, profiles, communities, notifications, accounts, account
history entries). Hypothesis removes fields, swaps in wrong types, nulls,
huge numbers, deeply nested values and lone surrogates, at any depth, and
each mutated answer goes through the converter that reads it. The node's
JSON-RPC envelope and its chain properties are fuzzed the same way.
"""

from __future__ import annotations

import contextlib
import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decentsocial.backends.hive import HIVE, STEEM, Chain
from decentsocial.backends.hive.convert import (
    account_from_profile,
    amount_of,
    claimable_reward,
    community_from_bridge,
    history_index,
    notification_from_bridge,
    post_from_bridge,
    reward_from_history,
    reward_of_post,
)
from decentsocial.backends.hive.failures import error_from_rpc, result_of
from decentsocial.backends.hive.sign import tapos
from decentsocial.coerce import as_dict
from decentsocial.errors import DecentSocialError
from decentsocial.limits import Limits
from decentsocial.models import Account, Amount, Community, Notification, Post, Reward
from tests.servers.hive import served

FIXTURE = Path(__file__).parent.parent / "fixtures" / "hive" / "api-cases.jsonl.gz"
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _results(method: str) -> list[Any]:
    out = []
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as fh:
        for line in fh:
            case = json.loads(line)
            if case.get("method") == method and "result" in case:
                out.append(case["result"])
    return out


def _items(method: str, limit: int = 12) -> list[dict[str, Any]]:
    """Up to ``limit`` recorded objects of ``method``'s answers (lists flattened, dicts as they are)."""
    found: list[dict[str, Any]] = []
    for result in _results(method):
        for item in result if isinstance(result, list) else [result]:
            if isinstance(item, dict) and item:
                found.append(item)
    return found[:limit]


POSTS = _items("bridge.get_post") + _items("bridge.get_ranked_posts", 6)
PROFILES = _items("bridge.get_profile")
COMMUNITIES = _items("bridge.get_community") + _items("bridge.list_communities", 6)
NOTIFICATIONS = _items("bridge.account_notifications")
ACCOUNTS = _items("condenser_api.get_accounts") or [
    {"name": "alice", "reward_hbd_balance": "0.000 HBD", "reward_vesting_balance": "0.000000 VESTS"}
]
HISTORY = [
    entry
    for result in _results("account_history_api.get_account_history")
    for entry in as_dict(result).get("history", [])[:3]
][:20]
PROPS = _items("condenser_api.get_dynamic_global_properties", 1)

ODD: list[Any] = [
    None,
    True,
    0,
    -1,
    10**400,
    -(10**400),
    1e308,
    -0.0,
    "",
    "\ud800",
    "x" * 3000,
    "1e999999999 HIVE",
    "99999999999999999999999999999999999999.999 HBD",
    "-0.000 HBD",
    "NaN HIVE",
    "9999-12-31T23:59:59",
    "0000-00-00T00:00:00",
    "1969-12-31T23:59:59",
    {"amount": "1" + "0" * 400, "precision": 3, "nai": "@@000000013"},
    {"amount": "1", "precision": 10**9, "nai": "@@000000021"},
    {"amount": "1", "precision": -(10**9), "nai": "@@000000021"},
    {"amount": None, "precision": 3, "nai": []},
    [],
    {},
]


def _deep(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"x": [value]}
    return value


ODD.append(_deep(200))


def mutate(value: Any, draw: Callable[[st.SearchStrategy[Any]], Any], depth: int = 0) -> Any:
    """``value`` with fields removed, replaced by odd values or mutated further down."""
    if isinstance(value, dict) and depth < 4:
        out = dict(value)
        for key in list(out):
            action = draw(st.sampled_from(["keep", "keep", "keep", "drop", "odd", "deeper"]))
            if action == "drop":
                del out[key]
            elif action == "odd":
                out[key] = draw(st.sampled_from(ODD))
            elif action == "deeper":
                out[key] = mutate(out[key], draw, depth + 1)
        return out
    if isinstance(value, list) and depth < 4:
        return [
            mutate(v, draw, depth + 1) if draw(st.booleans()) else draw(st.sampled_from(ODD)) for v in value
        ]
    return draw(st.sampled_from([value, value, *ODD]))


def mutated(seeds: list[Any]) -> st.SearchStrategy[Any]:
    @st.composite
    def build(draw: st.DrawFn) -> Any:
        seed = draw(st.sampled_from(seeds))
        if draw(st.integers(0, 9)) == 0:
            return draw(st.sampled_from(ODD))  # the whole answer replaced
        return mutate(seed, draw)

    return build()


CHAINS = st.sampled_from([HIVE, STEEM])


# The backend reads each answer through ``as_dict`` first (an answer that is no object reads as an
# empty one), so the object converters are fed the same way; history entries are taken as they come.
def converts(call: Callable[[], Any], model: type | tuple[type, ...]) -> None:
    try:
        result = call()
    except DecentSocialError:
        return
    assert result is None or isinstance(result, model)


def test_the_seeds_are_recorded_answers() -> None:
    for seeds in (POSTS, PROFILES, COMMUNITIES, NOTIFICATIONS, HISTORY, PROPS):
        assert seeds


@FUZZ
@given(mutated(POSTS), CHAINS)
def test_posts(item: Any, chain: Chain) -> None:
    item = served(chain, item)  # as a node of ``chain`` serves it
    converts(lambda: post_from_bridge(as_dict(item), chain), Post)
    converts(lambda: reward_of_post(as_dict(item), chain), Reward)


@FUZZ
@given(mutated(PROFILES), CHAINS)
def test_profiles(item: Any, chain: Chain) -> None:
    converts(lambda: account_from_profile(as_dict(item), chain), Account)


@FUZZ
@given(mutated(COMMUNITIES), CHAINS)
def test_communities(item: Any, chain: Chain) -> None:
    converts(lambda: community_from_bridge(as_dict(item), chain), Community)


@FUZZ
@given(mutated(NOTIFICATIONS), CHAINS)
def test_notifications(item: Any, chain: Chain) -> None:
    converts(lambda: notification_from_bridge(as_dict(item), chain), Notification)


@FUZZ
@given(mutated(ACCOUNTS), CHAINS)
def test_reward_balances(item: Any, chain: Chain) -> None:
    item = served(chain, item)
    converts(lambda: claimable_reward(as_dict(item), chain), Reward)


@FUZZ
@given(mutated(HISTORY), CHAINS, st.sampled_from(["alice", "gtg", "steemit"]))
def test_history_entries(entry: Any, chain: Chain, account: str) -> None:
    entry = served(chain, entry)
    kinds = frozenset({"author", "curation", "benefactor", "claim"})
    converts(lambda: reward_from_history(entry, account, chain, kinds), Reward)
    converts(lambda: history_index(entry), int)


@FUZZ
@given(st.sampled_from(ODD) | st.text(max_size=40), CHAINS)
def test_amounts(value: Any, chain: Chain) -> None:
    converts(lambda: amount_of(value, chain), Amount)


@FUZZ
@given(mutated(PROPS))
def test_chain_properties_are_read_or_refused_as_the_backend_does(props: Any) -> None:
    """What ``_head`` catches around ``tapos`` is all ``tapos`` can raise on any node answer."""
    import struct

    p = as_dict(props)
    with contextlib.suppress(KeyError, TypeError, ValueError, OverflowError, struct.error):
        tapos(int(p["head_block_number"]), str(p["head_block_id"]), str(p["time"]), 60)


@FUZZ
@given(
    mutated(
        [{"jsonrpc": "2.0", "id": 1, "result": r} for r in POSTS[:3]] + [{"jsonrpc": "2.0", "error": {}}]
    ),
    st.sampled_from([200, 400, 404, 429, 500, 503]),
)
def test_envelopes(payload: Any, status: int) -> None:
    body = json.dumps(payload).encode("utf-8", "surrogatepass")
    with contextlib.suppress(DecentSocialError):
        result_of("hive", "bridge.get_post", status, {}, body, limits=Limits(max_json_depth=32))
    if isinstance(payload, dict):
        assert isinstance(error_from_rpc("hive", "bridge.get_post", payload.get("error")), DecentSocialError)


@pytest.mark.parametrize("depth", [10, 1000, 100_000])
def test_an_answer_nested_too_deep_is_a_typed_error(depth: int) -> None:
    body = b'{"jsonrpc":"2.0","id":1,"result":' + b"[" * depth + b"]" * depth + b"}"
    try:
        result_of("hive", "bridge.get_post", 200, {}, body)
    except DecentSocialError:
        assert depth > Limits().max_json_depth


@pytest.mark.parametrize("chain", [HIVE, STEEM], ids=["hive", "steem"])
def test_metadata_text_nested_past_the_parsers_stack_reads_as_none(chain: Chain) -> None:
    """``json_metadata`` is text inside the answer (its depth is not the answer's): nested past
    what ``json.loads`` can hold, it is unreadable metadata, not a RecursionError."""
    item = {**served(chain, POSTS[0]), "json_metadata": "[" * 100_000 + "]" * 100_000}
    post = post_from_bridge(item, chain)
    assert set(post.tags) <= {POSTS[0]["category"]}  # the category only: no tags from the metadata
    assert post.mentions == ()
