"""The converters on mutated real payloads: a model or a typed error, never a crash.

Recorded Mastodon 4.x statuses, notifications and accounts
(tests/fixtures/mastodon) are mutated by hypothesis (fields removed, wrong
types, nulls, huge numbers, deep nesting, lone surrogates) and each
conversion must return a model or raise ``DecentSocialError``.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decentsocial import Account, DecentSocialError, Notification, Post
from decentsocial.backends.mastodon.compose import InstanceLimits
from decentsocial.backends.mastodon.convert import html_to_text, to_account, to_notification, to_post
from decentsocial.backends.mastodon.stream import read_events, streaming_url
from decentsocial.limits import Limits

from .cassettes import all_exchanges, recorded_statuses

STATUSES = recorded_statuses()
NOTIFICATIONS = [
    item
    for ex in all_exchanges()
    for item in (ex.body if isinstance(ex.body, list) else [ex.body])
    if isinstance(item, dict) and {"type", "created_at", "account"} <= item.keys()
]
ACCOUNTS = [s["account"] for s in STATUSES[:20]]
INSTANCES = [ex.body for ex in all_exchanges() if "/instance" in ex.uri and isinstance(ex.body, dict)]

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def deep(levels: int) -> Any:
    value: Any = "bottom"
    for i in range(levels):
        value = [value] if i % 2 else {"x": value}
    return value


#: Values no field should crash on.
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["\ud800", "a\udfffb", "", " ", "<p>" * 50, "9" * 400, "2024-13-45T99:99:99Z", "1e400"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.builds(deep, st.integers(min_value=1, max_value=3000)),
)


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into a payload (dict keys and list indexes)."""
    found = [prefix] if prefix else []
    if len(prefix) > 6:
        return found  # not into the deep junk an earlier mutation put there
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data[:3]):
            found += paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, samples: list[dict[str, Any]]) -> Any:
    data = copy.deepcopy(draw(st.sampled_from(samples)))
    if draw(st.integers(0, 20)) == 0:
        return draw(junk)  # not even an object
    for _ in range(draw(st.integers(1, 6))):
        options = paths(data)
        if not options:
            break
        path = draw(st.sampled_from(options))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and draw(st.booleans()):
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = draw(junk)
    return data


def converts_or_typed(convert: Any, data: Any, model: type) -> None:
    try:
        result = convert(data)
    except DecentSocialError:
        return
    assert isinstance(result, model)


@FUZZ
@given(mutated(STATUSES))
def test_statuses(data: Any) -> None:
    converts_or_typed(to_post, data, Post)


@FUZZ
@given(mutated(NOTIFICATIONS))
def test_notifications(data: Any) -> None:
    converts_or_typed(to_notification, data, Notification)


@FUZZ
@given(mutated(ACCOUNTS))
def test_accounts(data: Any) -> None:
    converts_or_typed(to_account, data, Account)


@FUZZ
@given(mutated(INSTANCES))
def test_instance_limits_and_streaming_url(data: Any) -> None:
    converts_or_typed(lambda d: InstanceLimits.from_instance(d), data, InstanceLimits)
    url = streaming_url(data, "https://mastodon.example", allow_http=False)
    assert url.startswith("https://")


@FUZZ
@given(st.binary(max_size=2000), st.integers(min_value=1, max_value=64))
def test_stream_bytes(data: bytes, cut: int) -> None:
    chunks = [data[i : i + cut] for i in range(0, len(data), cut)]
    try:
        for _ in read_events(chunks, limits=Limits(max_line_bytes=256, max_json_depth=8)):
            pass
    except DecentSocialError:
        pass


def test_thousands_of_nested_tags_convert() -> None:
    # One such post used to kill a whole timeline page with RecursionError.
    data = copy.deepcopy(STATUSES[0])
    data["content"] = "<p>" + "<b><i>" * 1200 + "deep" + "</i></b>" * 1200 + "</p>"
    assert to_post(data).text == "deep"
    assert html_to_text("<span>" * 5000) == ""
    assert html_to_text("<div>" * 3000 + "x") == "x"
