"""A monitor folds its keywords once, not again for every post it compares with them.

Folding every keyword for every post cost about 2.3 ms a post with 1,500
keywords. The work is counted, not timed: the filter's own ``fold`` is
wrapped with a counter (it still does the folding), and while the monitor
runs it may fold the posts' text and tags, never a keyword.
"""

from __future__ import annotations

import pytest

from decentsocial import monitor_state
from decentsocial.backends.sandbox import SandboxNetwork
from decentsocial.testing.contract.monitoring import Running

#: Keywords no post has, so a post matching nothing is compared with every one of them.
FILLER = [f"quiet{n:04d} launch" for n in range(300)]


def test_keywords_are_folded_once_per_monitor_not_per_post(
    pair: tuple[SandboxNetwork, SandboxNetwork], monkeypatch: pytest.MonkeyPatch
) -> None:
    brand, fan = pair
    folded: list[str] = []
    real_fold = monitor_state.fold

    def counted_fold(text: str) -> str:
        folded.append(text)
        return real_fold(text)

    monkeypatch.setattr(monitor_state, "fold", counted_fold)
    # Written as copied from apps: a right-to-left mark, a soft hyphen, a BOM, a zero-width space, a
    # Persian word without its zero-width non-joiner, tashkeel-free Arabic, upper case and a hashtag.
    keywords = [
        *FILLER,
        "\u200fمرحبا",
        "ac\u00admé",
        "\ufeffBRAND",
        "zero\u200bwidth",
        "میخواهم",
        "#عرض",
        "#Launch",
    ]
    watching = Running([brand], keywords=keywords)
    folded.clear()  # the keywords were checked and folded when the monitor was made: that is the once
    try:
        # Published first: the stream brings them before the last wanted post, so they are compared too.
        unwanted = [
            fan.publish("nothing to see"),
            fan.publish("عرض without the hash"),
            fan.publish("a launch without the tag"),
        ]
        wanted = [
            fan.publish("مَرْحَبًا بِكُمْ"),
            fan.publish("new from ACMÉ"),
            fan.publish("the brand is out"),
            fan.publish("zerowidth, written without the space"),
            fan.publish("من این را می\u200cخواهم"),
            fan.publish("لدينا #عرض اليوم"),
            fan.publish("big #launch day"),
        ]
        got = watching.take({p.id for p in wanted}, 20)
        got += watching.close()
    finally:
        watching.ended.set()
    assert sorted(p.id for p in got) == sorted(p.id for p in wanted)
    posts = wanted + unwanted
    tags = {tag for post in posts for tag in post.tags}
    # Each post is folded as its text and title (joined by a newline) and its tags; nothing else is.
    assert [text for text in folded if "\n" not in text and text not in tags] == []
    # Once a post, or a few times if a catch-up search reads it again; folding the 307 keywords for each
    # post (as before) made it thousands.
    assert len(folded) <= 3 * (len(posts) + len(tags))
