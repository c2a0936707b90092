"""``decentsocial track`` snapshots the account's own latest posts: its boosts are other accounts' posts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from decentsocial.cli import app
from tests.servers.mastodon import MastodonServer

pytest.importorskip("pandas")


def test_track_leaves_the_accounts_boosts_out(mastodon_server: MastodonServer, tmp_path: Path) -> None:
    import decentsocial as ds

    brand, fan = mastodon_server.connect("alice"), mastodon_server.connect("bob")
    try:
        own = [brand.publish("our launch"), brand.publish("our follow-up")]
        popular = fan.publish("a fan's post")
        fan.like(popular)
        brand.repost(popular)  # the newest entry of alice's posts
    finally:
        brand.close()
        fan.close()
    store = tmp_path / "metrics.db"
    settings = [f"base_url={mastodon_server.base_url}", "allow_http=true", "access_token_env=BRAND_TOKEN"]
    result = CliRunner().invoke(
        app,
        ["track", "--store", str(store), "-n", "mastodon", *(f"-s{s}" for s in settings), "--limit", "2"],
        env={"COLUMNS": "200", "BRAND_TOKEN": mastodon_server.tokens["alice"]},
    )
    assert result.exit_code == 0, result.output
    assert "2 post(s), 0 likes" in result.output
    assert sorted(ds.history(store)["id"]) == sorted(p.id for p in own)
