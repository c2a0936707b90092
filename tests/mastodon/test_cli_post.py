"""``decentsocial post`` on the Mastodon-API server: two accounts on one server, an image, a failure."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from decentsocial.cli import app
from decentsocial.setup_cli import ARABIC_LINE
from tests.servers.mastodon import MastodonServer

runner = CliRunner()
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 32


def config(folder: Path, server: MastodonServer) -> dict[str, str]:
    """Profiles alice and bob (tokens read from the environment) and one with a bad token."""
    lines = []
    for name, token_variable in (("alice", "ALICE_TOKEN"), ("bob", "BOB_TOKEN"), ("revoked", "OLD_TOKEN")):
        lines += [
            f"[profiles.{name}]",
            'network = "mastodon"',
            f'base_url = "{server.base_url}"',
            "allow_http = true",
            f'access_token_env = "{token_variable}"',
        ]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "DECENTSOCIAL_CONFIG": str(path),
        "ALICE_TOKEN": server.tokens["alice"],
        "BOB_TOKEN": server.tokens["bob"],
        "OLD_TOKEN": "revoked-token-0123456789",
    }


def test_post_to_two_accounts_with_an_image_and_a_warning(
    mastodon_server: MastodonServer, tmp_path: Path
) -> None:
    env = config(tmp_path, mastodon_server)
    image = tmp_path / "menu.png"
    image.write_bytes(PNG)
    text = f"{ARABIC_LINE} #cliwinter"
    args = ["post", text, "--to", "alice", "--to", "bob", "--image", str(image), "--alt", "Our winter menu"]
    result = runner.invoke(app, [*args, "--cw", "food", "--json"], env=env)
    assert result.exit_code == 0, result.output
    value = json.loads(result.output)
    assert value["ok"] is True
    assert [(t["target"], t["network"], t["ok"]) for t in value["targets"]] == [
        ("alice", "mastodon", True),
        ("bob", "mastodon", True),
    ]
    for target, account in zip(value["targets"], ("alice", "bob"), strict=True):
        (made,) = target["posts"]
        assert made["url"].startswith(mastodon_server.base_url)
        with mastodon_server.connect(account) as net:
            post = net.get_post(made["id"])
        assert post.author.handle.split("@")[0] == account
        assert post.text.startswith(ARABIC_LINE)
        assert post.content_warning == "food"
        assert [m.alt_text for m in post.media] == ["Our winter menu"]


def test_one_account_failing_is_named_and_exits_1(mastodon_server: MastodonServer, tmp_path: Path) -> None:
    env = config(tmp_path, mastodon_server)
    result = runner.invoke(
        app, ["post", "Opening hours #cliopen", "--to", "alice", "--to", "revoked"], env=env
    )
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"posted      alice (mastodon)    {mastodon_server.base_url}")
    assert lines[1].startswith("failed      revoked (mastodon)  [mastodon] ")
    assert lines[2].startswith("1 of 2 failed; to retry without posting twice, add --key ")
    assert len(lines) == 3
    assert "revoked-token" not in result.output
    key = lines[2].rsplit(" ", 1)[1]
    # Running again with the key (and the token fixed) posts only where it failed.
    fixed = {**env, "OLD_TOKEN": mastodon_server.tokens["carol"]}
    again = runner.invoke(
        app, ["post", "Opening hours #cliopen", "--to", "alice", "--to", "revoked", "--key", key], env=fixed
    )
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[0] == lines[0]
    with mastodon_server.connect("alice") as net:
        found = [p for p in net.search("#cliopen", limit=None) if p.author.handle.split("@")[0] == "alice"]
    assert len(found) == 1
