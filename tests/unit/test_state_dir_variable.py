"""``DECENTSOCIAL_STATE_DIR`` and ``DECENTSOCIAL_CONFIG`` as services set them: ``~`` unexpanded (no shell
reads a service's environment or a ``.env`` file), a newline at the end (a value mounted from a file),
or nothing but spaces. The idempotency store must stay in one place whatever folder a bot starts in,
or a bot started elsewhere forgets its keys and publishes them again."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from decentsocial import config
from decentsocial.state import StateStore, default_state_path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return folder


def test_a_tilde_in_the_state_dir_is_the_home_folder(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", "~/bot-state")
    assert default_state_path() == home / "bot-state" / "state.db"
    store = StateStore.open()
    assert store.path == (home / "bot-state" / "state.db").resolve()
    assert store.path.is_file()
    assert not (Path.cwd() / "~").exists()


def test_a_state_dir_ending_in_a_newline_names_the_folder(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", f"{home}/bot-state\n")
    assert default_state_path() == home / "bot-state" / "state.db"


@pytest.mark.parametrize("blank", ["", "   ", "\n"], ids=["empty", "spaces", "newline"])
def test_a_blank_state_dir_is_the_default(home: Path, monkeypatch: pytest.MonkeyPatch, blank: str) -> None:
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", blank)
    assert (
        default_state_path() == Path(platformdirs.user_data_dir("decentsocial", appauthor=False)) / "state.db"
    )


@pytest.mark.parametrize("blank", ["", "   ", "\n"], ids=["empty", "spaces", "newline"])
def test_a_blank_config_variable_is_the_default(
    home: Path, monkeypatch: pytest.MonkeyPatch, blank: str
) -> None:
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", blank)
    assert config.config_path() == Path(platformdirs.user_config_dir("decentsocial")) / "config.toml"


def test_a_config_variable_ending_in_a_newline_names_the_file(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / "config.toml").write_text('[profiles.brand]\nnetwork = "sandbox"\n')
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", "~/config.toml\n")
    assert config.config_path() == home / "config.toml"
    assert config.profile_names() == ["brand"]
