"""Two Mastodon servers' statuses of one id are two posts in the metrics store; one status read through
two servers is one post.

Status ids are server-local: two servers give out one id for two statuses. The store kept snapshots by
``(network, id, taken_at)``, so ``track`` given both kept one (the other was dropped as a repeat), a
second ``track`` at the same instant overwrote the first server's snapshot with the other's, and
``history`` and the plots mixed the two posts' numbers into one line. One status read through two servers
(two ids, one link) was two posts: its totals counted it twice. Now a Mastodon post is its link
(``Post.url``, the same on every server; the ``url`` column of ``history``).

Two Mastodon-API servers on loopback (tests/servers/mastodon_hostile.py) each serve status ``20``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mastodon", reason="the Mastodon backend needs the mastodon extra")
pytest.importorskip("pandas", reason="history needs the pandas extra")

import decentsocial as ds
from decentsocial.backends.mastodon import MastodonNetwork
from tests.mastodon.test_hostile import net_for, status
from tests.servers.mastodon_hostile import HostileServer, answer, hostile_server

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def _ys(line: Any) -> list[float]:
    """A drawn line's values."""
    return [float(y) for y in line.get_ydata()]


def _status(
    server: HostileServer, ident: str, likes: int, home: HostileServer | None = None
) -> dict[str, Any]:
    """Status ``ident`` as ``server`` gives it; made on ``home`` (default: ``server``), whose link it has."""
    made = copy.deepcopy(status(ident))
    origin = (home or server).base_url
    number = "20" if home is not None else ident  # its id on its home server
    made.update(
        favourites_count=likes,
        reblog=None,
        uri=f"{origin}/users/alice/statuses/{number}",
        url=f"{origin}/@alice/{number}",
    )
    return made


def _serve(server: HostileServer, statuses: dict[str, dict[str, Any]]) -> None:
    def respond(method: str, path: str) -> bytes:
        if path.startswith("/api/v1/statuses/"):
            found = statuses.get(path.split("/")[4].split("?")[0])
            return answer(found) if found is not None else answer({"error": "Record not found"}, 404)
        if path.startswith("/api/v2/search"):  # it fetches nothing from other servers
            return answer({"accounts": [], "statuses": [], "hashtags": []})
        return answer({"error": "not found"}, 404)

    server.respond = respond


@pytest.fixture
def servers() -> Iterator[tuple[HostileServer, HostileServer]]:
    with hostile_server() as one, hostile_server() as other:
        yield one, other


@pytest.fixture
def nets(servers: tuple[HostileServer, HostileServer]) -> Iterator[tuple[MastodonNetwork, MastodonNetwork]]:
    one, other = servers
    _serve(one, {"20": _status(one, "20", 5)})
    _serve(other, {"20": _status(other, "20", 9), "77": _status(other, "77", 6, home=one)})
    a, b = net_for(one), net_for(other)
    yield a, b
    a.close()
    b.close()


def test_two_servers_statuses_of_one_id_are_both_stored(
    nets: tuple[MastodonNetwork, MastodonNetwork], tmp_path: Path
) -> None:
    a, b = nets
    mine, theirs = a.get_post("20"), b.get_post("20")
    assert mine.url != theirs.url
    stored = ds.track([mine, theirs], tmp_path / "m.db", networks=[a, b], now=T0)
    assert sorted(p.metrics.likes or 0 for p in stored) == [5, 9]
    frame = ds.history(tmp_path / "m.db")
    assert sorted(zip(frame["url"], frame["likes"], strict=True)) == sorted([(mine.url, 5), (theirs.url, 9)])


def test_a_snapshot_at_the_same_instant_does_not_overwrite_another_servers_post(
    nets: tuple[MastodonNetwork, MastodonNetwork], tmp_path: Path
) -> None:
    a, b = nets
    ds.track([a.get_post("20")], tmp_path / "m.db", networks=[a], now=T0)
    ds.track([b.get_post("20")], tmp_path / "m.db", networks=[b], now=T0)  # another process, one clock
    frame = ds.history(tmp_path / "m.db")
    assert sorted(frame["likes"]) == [5, 9]
    assert frame["url"].nunique() == 2


def test_one_status_read_through_two_servers_is_one_post(
    nets: tuple[MastodonNetwork, MastodonNetwork], tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib", reason="the plots need the plot extra")
    a, b = nets
    here, there = a.get_post("20"), b.get_post("77")  # one status: its id on each server, one link
    assert here.id != there.id
    assert here.url == there.url
    ds.track([here], tmp_path / "m.db", networks=[a], now=T0)
    ds.track([there], tmp_path / "m.db", networks=[b], now=T0 + HOUR)
    frame = ds.history(tmp_path / "m.db")
    assert list(frame["id"]) == ["20", "77"]
    assert list(frame["url"]) == [here.url, here.url]
    lines = ds.plot.engagement(frame, by="post").axes[0].get_lines()
    assert [_ys(line) for line in lines] == [[5, 6]]  # one post's line
    (total,) = ds.plot.engagement(frame, by="network").axes[0].get_lines()
    assert _ys(total) == [5, 6]  # its latest count, not 5 + 6


def test_posts_of_one_id_on_two_servers_are_two_lines_named_by_their_links(
    nets: tuple[MastodonNetwork, MastodonNetwork], tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib", reason="the plots need the plot extra")
    a, b = nets
    mine, theirs = a.get_post("20"), b.get_post("20")
    for hour in range(2):
        ds.track([mine, theirs], tmp_path / "m.db", networks=[a, b], now=T0 + hour * HOUR)
    frame = ds.history(tmp_path / "m.db")
    axes = ds.plot.engagement(frame, by="post").axes[0]
    assert sorted(_ys(line) for line in axes.get_lines()) == [[5, 5], [9, 9]]
    legend = axes.get_legend()
    assert legend is not None
    assert sorted(t.get_text() for t in legend.get_texts()) == sorted(
        [f"mastodon {mine.url}", f"mastodon {theirs.url}"]
    )
    (total,) = ds.plot.engagement(frame, by="network").axes[0].get_lines()
    assert _ys(total) == [14, 14]
