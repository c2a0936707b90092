"""``retry.repeated_delete``: the one rule of every backend's retried delete, attempt by attempt."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from decentsocial.errors import DecentSocialError, NetworkUnavailable, NotFound, RateLimited
from decentsocial.retry import RetryPolicy, repeated_delete

POLICY = RetryPolicy(attempts=4, sleep=lambda seconds: None)


def answers(*outcomes: DecentSocialError | None) -> tuple[Callable[[], None], list[int]]:
    """A delete whose attempts fail with ``outcomes`` in turn (``None``: it succeeds); and the count."""
    tries: list[int] = []

    def once() -> None:
        tries.append(1)
        outcome = outcomes[len(tries) - 1]
        if outcome is not None:
            raise outcome

    return once, tries


def acted(exc: DecentSocialError) -> bool:
    return isinstance(exc, NetworkUnavailable)


def test_a_404_after_a_lost_answer_is_success() -> None:
    once, tries = answers(NetworkUnavailable("timed out", retryable=True), NotFound("gone"))
    assert repeated_delete(POLICY, once, acted) is True
    assert len(tries) == 2


def test_a_404_after_refusals_only_is_not_found() -> None:
    once, tries = answers(
        RateLimited("slow down", retry_after=0.0),
        RateLimited("slow down", retry_after=0.0),
        NotFound("never"),
    )
    with pytest.raises(NotFound):
        repeated_delete(POLICY, once, acted)
    assert len(tries) == 3


def test_a_refusal_after_an_attempt_that_acted_keeps_the_404_a_success() -> None:
    once, _ = answers(
        NetworkUnavailable("503", retryable=True), RateLimited("slow down", retry_after=0.0), NotFound("gone")
    )
    assert repeated_delete(POLICY, once, acted) is True


def test_a_first_404_is_not_found_and_a_first_success_is_no_repeat() -> None:
    once, _ = answers(NotFound("never"))
    with pytest.raises(NotFound):
        repeated_delete(POLICY, once, acted)
    once, tries = answers(None)
    assert repeated_delete(POLICY, once, acted) is False
    assert len(tries) == 1
