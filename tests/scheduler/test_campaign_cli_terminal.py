"""What the campaign commands print of a job's targets is safe on a terminal.

A target is a profile name, and a profile's name is a TOML key that may hold any character
(``"\\u001b]0;…\\u0007"``); with a shared store (Redis), a worker prints the targets of jobs
planned on other machines. ``jobs`` cleaned them already; ``schedule`` and ``worker`` printed
them as they are, escape sequences and all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("typer", reason="the cli extra is not installed")

from decentsocial.cli import app

#: A window-title escape sequence (OSC 0, ended by BEL) and a colour (CSI), in a profile's name.
NAME = "brand\x1b]0;pwned\x07\x1b[31m-red"


def _config(folder: Path, network: str) -> Path:
    config = folder / "config.toml"
    quoted = NAME.replace("\x1b", "\\u001b").replace("\x07", "\\u0007")
    settings = (
        f'path = "{folder / "a.db"}"\naccount = "brand"'
        if network == "sandbox"
        else 'user_id = "1"\naccess_token_env = "NOT_SET_ON_THIS_WORKER"'
    )
    config.write_text(f'[profiles."{quoted}"]\nnetwork = "{network}"\n{settings}\n')
    return config


@pytest.mark.parametrize("network", ["sandbox", "threads"])  # a target that posts, one that fails
def test_schedule_and_worker_print_a_targets_name_without_its_escape_sequences(
    network: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(_config(tmp_path, network)))
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("NOT_SET_ON_THIS_WORKER", raising=False)
    store = str(tmp_path / "campaign.db")
    runner = CliRunner()

    planned = runner.invoke(app, ["schedule", "hello", "--to", NAME, "--store", store])
    assert planned.exit_code == 0, planned.output
    assert "to brand-red" in planned.output
    ran = runner.invoke(app, ["worker", "--once", "--store", store])
    assert ran.exit_code == (0 if network == "sandbox" else 1), ran.output  # --once: 1 if a job failed
    assert ("done: 1 post(s)" if network == "sandbox" else "failed: 0 post(s)") in ran.output
    if network == "threads":  # the failed target's line names it
        assert "  brand-red: " in ran.output
    for output in (planned.output, ran.output):
        assert "\x1b" not in output
        assert "\x07" not in output
