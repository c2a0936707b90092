"""Counts no network means (10**20 likes, -7 reposts) from a hostile AppView on loopback: ``track`` and
``report`` keep them as missing, never an ``OverflowError`` that loses the other posts' numbers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app

from ..bluesky.hostile import DID, HANDLE, HostileServer, hostile_server, send_json

pandas = pytest.importorskip("pandas", reason="history and report need the pandas extra")
pytest.importorskip("atproto", reason="the Bluesky backend needs the bluesky extra")

NOW = datetime.now(timezone.utc)


def _view(rkey: str, counts: dict[str, Any]) -> dict[str, Any]:
    return {
        "uri": f"at://{DID}/app.bsky.feed.post/{rkey}",
        "cid": "bafyreib2rxk3rh6kzwq",
        "author": {"did": DID, "handle": HANDLE},
        "record": {"text": rkey, "createdAt": (NOW - timedelta(hours=1)).isoformat()},
        **counts,
    }


def _serve(server: HostileServer, views: list[dict[str, Any]]) -> None:
    """The account's feed is ``views``; ``getPosts`` answers each uri asked for with its view."""

    def get_posts(handler: BaseHTTPRequestHandler) -> None:
        uris = parse_qs(urlsplit(handler.path).query).get("uris", [])
        send_json(handler, {"posts": [v for v in views if v["uri"] in uris]})

    feed = {"feed": [{"post": v} for v in views]}
    server.routes["app.bsky.feed.getAuthorFeed"] = lambda h: send_json(h, feed)
    server.routes["app.bsky.feed.getPosts"] = get_posts
    profile = {"did": DID, "handle": HANDLE}
    server.routes["app.bsky.actor.getProfile"] = lambda h: send_json(h, profile)
    server.routes["app.bsky.actor.getProfiles"] = lambda h: send_json(h, {"profiles": [profile]})


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        yield running


def _connect(server: HostileServer) -> Any:
    return ds.connect("bluesky", base_url=server.url, handle=HANDLE, password="pw", state_path=None)


def test_a_count_no_store_can_hold_loses_no_snapshot(server: HostileServer, tmp_path: Path) -> None:
    _serve(
        server,
        [
            _view("3hostile", {"likeCount": 1e20, "repostCount": -7, "replyCount": 2}),
            _view("3fine", {"likeCount": 5, "repostCount": 1, "replyCount": 0}),
        ],
    )
    net = _connect(server)
    try:
        assert len(ds.track(list(net.posts(limit=2)), tmp_path / "m.db", networks=[net])) == 2
    finally:
        net.close()
    frame = ds.history(tmp_path / "m.db").set_index("id")
    hostile, fine = (frame.loc[f"at://{DID}/app.bsky.feed.post/{k}"] for k in ("3hostile", "3fine"))
    assert (fine["likes"], fine["reposts"], fine["replies"]) == (5, 1, 0)
    assert pandas.isna(hostile["likes"])  # missing, not 10**20
    assert pandas.isna(hostile["reposts"])  # missing, not -7
    assert hostile["replies"] == 2


def test_report_leaves_out_counts_no_network_means(server: HostileServer) -> None:
    at_bound = {"likeCount": 2**63 - 1, "repostCount": -7, "replyCount": 1e20}
    _serve(server, [_view("3a", at_bound), _view("3b", at_bound), _view("3c", {"replyCount": 3})])
    net = _connect(server)
    try:
        frame = ds.report([net], since=NOW - timedelta(days=1))
    finally:
        net.close()
    (row,) = frame.to_dict("records")
    assert row["posts"] == 3
    assert row["replies"] == 3  # the one count that is a count
    assert pandas.isna(row["reposts"])  # -7 is no count: missing, not a negative total
    assert pandas.isna(row["likes"])  # two at the bound sum past what Int64 holds: missing, no OverflowError


def test_the_track_command_totals_what_it_stored(server: HostileServer, tmp_path: Path) -> None:
    _serve(
        server,
        [
            _view("3hostile", {"likeCount": 1e20, "repostCount": -7, "replyCount": 2}),
            _view("3fine", {"likeCount": 5, "repostCount": 1, "replyCount": 0}),
        ],
    )
    settings = [f"base_url={server.url}", f"handle={HANDLE}", "password=pw"]
    result = CliRunner().invoke(
        app,
        ["track", "--store", str(tmp_path / "m.db"), "-n", "bluesky", *(f"-s{s}" for s in settings)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "2 post(s), 5 likes, 1 reposts, 2 replies" in result.output  # not 100000000000000000005, -6
