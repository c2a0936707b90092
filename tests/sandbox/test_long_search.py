"""A search of many words is ``InvalidInput`` (or works), never a "database error" to retry.

Every word adds one ``AND`` to the query; past about 1000 SQLite refused the statement
("Expression tree is too large"), reported as a retryable ``NetworkUnavailable``.
"""

from __future__ import annotations

import pytest

from decentsocial import InvalidInput
from decentsocial.backends.sandbox import SandboxNetwork


@pytest.mark.parametrize("count", [1001, 5000])
def test_too_many_words_is_invalid_input(alice: SandboxNetwork, count: int) -> None:
    with pytest.raises(InvalidInput, match="at most"):
        list(alice.search(" ".join(f"w{i}" for i in range(count))))


def test_repeated_words_count_once_and_many_words_still_work(alice: SandboxNetwork) -> None:
    post = alice.publish("مرحبا hello 👋 #Launch")
    assert [p.id for p in alice.search(" ".join(["HELLO"] * 5000 + ["مرحبا", "#launch"]))] == [post.id]
    words = " ".join(f"w{i}" for i in range(500))
    assert list(alice.search(words)) == []
