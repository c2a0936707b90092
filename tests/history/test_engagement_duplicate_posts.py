"""A server that lists one post twice (twice in a page, or again on the next page) from a hostile
Mastodon-API server on loopback: ``report``, ``track`` and the ``track`` command count it once.

Each copy was counted: two posts and their likes summed twice in ``report``,
the post read again and returned twice by ``track``, and the command's line
said ``3 post(s), 13 likes`` where the store held two posts with 8.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

pytest.importorskip("mastodon", reason="the Mastodon backend needs the mastodon extra")

import decentsocial as ds
from decentsocial.cli import app
from tests.mastodon.test_hostile import net_for, status
from tests.servers.mastodon_hostile import HostileServer, answer, hostile_server

NOW = datetime.now(timezone.utc)


def _status(ident: str, likes: int) -> dict[str, Any]:
    made = status(ident)
    made.update(created_at=(NOW - timedelta(hours=1)).isoformat(), favourites_count=likes, reblog=None)
    # Each status its own link, as a server gives them: a Mastodon post's history is its link's.
    made.update(
        url=f"https://example.social/@someone/{ident}", uri=f"https://example.social/statuses/{ident}"
    )
    return made


@pytest.fixture
def server() -> Iterator[HostileServer]:
    """The account's posts: ``20`` twice in the first page and again on the second, then ``10``."""
    newer, older = _status("20", 5), _status("10", 3)
    account = newer["account"]
    pages = f"/api/v1/accounts/{account['id']}/statuses"
    with hostile_server() as running:

        def respond(method: str, path: str) -> bytes:
            if path.startswith("/api/v1/accounts/verify_credentials"):
                return answer(account)
            if path.startswith(pages):
                if "max_id" in path:
                    return answer([newer, older])  # the next page starts again with the newest
                link = f'<{running.base_url}{pages}?max_id=10>; rel="next"'
                return answer([newer, newer], headers={"Link": link})
            if path.startswith("/api/v1/statuses/"):
                return answer(newer if path.split("/")[4].split("?")[0] == "20" else older)
            return answer({"error": "not found"}, 404)

        running.respond = respond
        yield running


def test_report_counts_a_post_listed_twice_once(server: HostileServer) -> None:
    pytest.importorskip("pandas", reason="report needs the pandas extra")
    net = net_for(server)
    try:
        (row,) = ds.report([net], since=NOW - timedelta(days=1)).to_dict("records")
    finally:
        net.close()
    assert (row["posts"], row["likes"]) == (2, 8)


def test_track_stores_and_returns_a_post_listed_twice_once(server: HostileServer, tmp_path: Path) -> None:
    net = net_for(server)
    try:
        stored = ds.track(list(net.posts(limit=None)), tmp_path / "m.db", networks=[net])
    finally:
        net.close()
    assert sorted(p.id for p in stored) == ["10", "20"]
    reads = [path for _, path in server.requests if path.startswith("/api/v1/statuses/")]
    assert sorted(reads) == ["/api/v1/statuses/10", "/api/v1/statuses/20"]  # each read again once


def test_the_track_command_totals_each_post_once(server: HostileServer, tmp_path: Path) -> None:
    settings = [f"base_url={server.base_url}", "access_token=t", "mastodon_version=4.2.0"]
    result = CliRunner().invoke(
        app,
        ["track", "--store", str(tmp_path / "m.db"), "-n", "mastodon", *(f"-s{s}" for s in settings)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "2 post(s), 8 likes" in result.output
