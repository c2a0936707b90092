"""The retry policy: only retryable errors, bounded, server-aware."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import decentsocial as ds
from decentsocial.retry import RetryPolicy, parse_retry_after, reconnect_backoff, retry_after_from_headers

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=timezone.utc)


class Flaky:
    def __init__(self, errors: list[BaseException]) -> None:
        self.errors = errors
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def _policy(**kw: object) -> tuple[RetryPolicy, list[float]]:
    sleeps: list[float] = []
    return RetryPolicy(sleep=sleeps.append, jitter=0.0, **kw), sleeps  # type: ignore[arg-type]


def test_retries_retryable_errors_with_backoff() -> None:
    policy, sleeps = _policy(attempts=4, backoff=0.5)
    fn = Flaky([ds.NetworkUnavailable("down", retryable=True)] * 2)
    assert policy.call(fn) == "ok"
    assert fn.calls == 3
    assert sleeps == [0.5, 1.0]


def test_jitter_spreads_waits_without_touching_the_programs_random_state() -> None:
    """A program that seeded ``random`` for itself gets the same numbers whether or not we retried."""
    import random

    random.seed(1234)
    before = random.getstate()
    sleeps: list[float] = []
    policy = RetryPolicy(sleep=sleeps.append, attempts=6, backoff=1.0, backoff_cap=100.0, jitter=0.5)
    assert policy.call(Flaky([ds.NetworkUnavailable("down", retryable=True)] * 5)) == "ok"
    waits = [reconnect_backoff(n) for n in range(1, 12)]
    assert random.getstate() == before
    assert all(base <= wait <= base * 1.5 for base, wait in zip([1, 2, 4, 8, 16], sleeps, strict=True))
    assert len(set(sleeps)) == 5
    bases = [min(30.0, 0.5 * 2 ** (n - 1)) for n in range(1, 12)]
    assert all(base <= wait <= base * 1.1 for base, wait in zip(bases, waits, strict=True))


def test_does_not_retry_unmarked_errors() -> None:
    policy, sleeps = _policy()
    fn = Flaky([ds.NetworkUnavailable("maybe posted")])  # not marked retryable: could double post
    with pytest.raises(ds.NetworkUnavailable):
        policy.call(fn)
    assert fn.calls == 1
    assert sleeps == []


def test_bounded_attempts() -> None:
    policy, _ = _policy(attempts=3)
    fn = Flaky([ds.NetworkUnavailable("down", retryable=True)] * 10)
    with pytest.raises(ds.NetworkUnavailable):
        policy.call(fn)
    assert fn.calls == 3


def test_the_last_attempts_error_is_raised_and_never_retries_once() -> None:
    """The first try runs outside the retry loop; the loop still counts it and raises the last error."""
    policy, sleeps = _policy(attempts=2)
    errors: list[Exception] = [ds.NetworkUnavailable(f"down {i}", retryable=True) for i in range(3)]
    fn = Flaky(list(errors))
    with pytest.raises(ds.NetworkUnavailable) as info:
        policy.call(fn)
    assert info.value is errors[1]
    assert fn.calls == 2
    assert sleeps == [0.5]
    never = Flaky([ds.NetworkUnavailable("down", retryable=True)])
    with pytest.raises(ds.NetworkUnavailable):
        RetryPolicy.never().call(never)
    assert never.calls == 1


def test_honours_retry_after() -> None:
    policy, sleeps = _policy()
    fn = Flaky([ds.RateLimited(retry_after=2.5)])
    assert policy.call(fn) == "ok"
    assert sleeps == [2.5]


def test_wait_over_bound_raises_rate_limited_at_once() -> None:
    policy, sleeps = _policy(max_wait=10)
    fn = Flaky([ds.RateLimited(retry_after=600)])
    with pytest.raises(ds.RateLimited) as info:
        policy.call(fn)
    assert info.value.retry_after == 600
    assert sleeps == []
    assert fn.calls == 1


def test_total_time_bound() -> None:
    policy, _sleeps = _policy(total_seconds=5, max_wait=30)
    fn = Flaky([ds.RateLimited(retry_after=4), ds.RateLimited(retry_after=4)])
    # The fake sleep takes no time, so only the planned wait counts against the budget.
    assert policy.call(fn) == "ok"
    policy2, sleeps2 = _policy(total_seconds=3, max_wait=30)
    with pytest.raises(ds.RateLimited):
        policy2.call(Flaky([ds.RateLimited(retry_after=4)]))
    assert sleeps2 == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", 30.0),
        (12, 12.0),
        ("0", 0.0),
        (str(int(NOW.timestamp()) + 90), 90.0),  # epoch seconds (Bluesky ratelimit-reset, mastodon_mock)
        ("2026-11-26T12:05:00.000Z", 300.0),  # ISO-8601 (Mastodon X-RateLimit-Reset)
        ("2026-11-26T12:05:00+00:00", 300.0),
        ("Thu, 26 Nov 2026 12:01:00 GMT", 60.0),  # HTTP date (Retry-After)
        ("2026-11-26T11:00:00Z", 0.0),  # in the past: no wait
        ("soon", None),
        ("", None),
    ],
)
def test_parse_retry_after(value: str | int, expected: float | None) -> None:
    got = parse_retry_after(value, now=NOW)
    assert got == pytest.approx(expected) if expected is not None else got is None


def test_headers_prefer_retry_after() -> None:
    headers = {"Retry-After": "7", "X-RateLimit-Reset": "2026-11-26T12:05:00Z"}
    assert retry_after_from_headers(headers, now=NOW) == 7.0
    assert retry_after_from_headers({"ratelimit-reset": str(int(NOW.timestamp()) + 3)}, now=NOW) == 3.0
    assert retry_after_from_headers({}, now=NOW) is None


def test_the_first_failure_counts_as_an_attempt_and_is_not_repeated_to_replay_it() -> None:
    """The first attempt runs before any retry machinery exists; a retryable failure hands it over
    as attempt one (never calling ``fn`` again just to record it)."""
    never = RetryPolicy.never()
    fn = Flaky([ds.NetworkUnavailable("down", retryable=True)])
    with pytest.raises(ds.NetworkUnavailable, match="down"):
        never.call(fn)
    assert fn.calls == 1
    policy, sleeps = _policy(attempts=2, backoff=0.25)
    first, second = ds.NetworkUnavailable("one", retryable=True), ds.NetworkUnavailable("two", retryable=True)
    fn = Flaky([first, second])
    with pytest.raises(ds.NetworkUnavailable) as info:
        policy.call(fn)
    assert info.value is second  # the last attempt's own error
    assert fn.calls == 2
    assert sleeps == [0.25]


def test_interrupts_and_plain_exceptions_pass_through_at_once() -> None:
    policy, sleeps = _policy()
    for error in (KeyboardInterrupt(), ValueError("bug")):
        fn = Flaky([error])
        with pytest.raises(type(error)) as info:
            policy.call(fn)
        assert info.value is error
        assert fn.calls == 1
    assert sleeps == []
