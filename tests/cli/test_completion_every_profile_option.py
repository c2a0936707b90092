"""Shell completion offers profile names wherever a command takes a profile, as docs/cli.md says.

The page promised "profile names after ``--profile``/``--to``", but ``schedule --to``,
``crisis start --to``, ``monitor --profile``, ``logout PROFILE`` and ``refresh PROFILE`` completed
nothing: each declared its own option without the completion the shared ones have.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("typer", reason="the command needs the cli extra")

import typer
from typer.testing import CliRunner

from decentsocial.cli import app

PROFILE_PARAMS = {"profile", "to"}


def commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every leaf command of the ``decentsocial`` tree, with the words that name it (Typer's own click)."""
    found = []
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):  # a group: crisis, login, message
            found += commands(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


def profile_params() -> list[tuple[str, str]]:
    """(command words, the words before the profile being completed) for each profile parameter."""
    cases = []
    for path, command in commands(typer.main.get_command(app)):
        if path[0] == "login":  # its --profile names the profile it is about to save: a new name
            continue
        for param in command.params:
            if param.name not in PROFILE_PARAMS:
                continue
            if param.param_type_name == "option":
                words = [*path, param.opts[0]]
            else:  # a positional PROFILE, before any other argument (logout, refresh)
                assert command.params.index(param) == 0, (path, param.name)
                words = list(path)
            cases.append((" ".join(path), " ".join(words)))
    return cases


CASES = profile_params()


def test_the_commands_that_take_a_profile_are_all_found() -> None:
    found = {words for _, words in CASES}
    for expected in (
        "post --to",
        "schedule --to",
        "crisis start --to",
        "monitor --profile",
        "logout",
        "refresh",
    ):
        assert expected in found, sorted(found)


@pytest.mark.parametrize(("command", "words"), CASES, ids=[c for c, _ in CASES])
def test_a_profile_completes_to_the_config_files_names(tmp_path: Path, command: str, words: str) -> None:
    config = tmp_path / "config.toml"
    db = (tmp_path / "s.db").as_posix()
    config.write_text(
        "".join(
            f'[profiles.{name}]\nnetwork = "sandbox"\npath = "{db}"\naccount = "{name}"\n'
            for name in ("brand-mastodon", "brand-nostr", "fan")
        ),
        encoding="utf-8",
    )
    typed = f"decentsocial {words} brand-"
    env = {
        "DECENTSOCIAL_CONFIG": str(config),
        "_DECENTSOCIAL_COMPLETE": "complete_bash",
        "COMP_WORDS": typed,
        "COMP_CWORD": str(len(typed.split()) - 1),
    }
    result = CliRunner().invoke(app, [], env=env, prog_name="decentsocial")
    assert result.output.split() == ["brand-mastodon", "brand-nostr"], f"{command}: {result.output!r}"
