"""``~`` in a settings path is the user's home, as in a shell and in ``config.toml``: a job started
from another folder must find the same idempotency records and session, not make a folder named ``~``."""

from __future__ import annotations

from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.backends.bluesky.settings import BlueskySettings
from decentsocial.backends.minds.settings import MindsSettings
from decentsocial.backends.threads.settings import ThreadsSettings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home, elsewhere = tmp_path / "home", tmp_path / "job"
    home.mkdir()
    elsewhere.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(elsewhere)
    return home


def test_state_path_starts_at_home(home: Path) -> None:
    with ds.connect("sandbox", state_path="~/records/state.db") as net:
        assert net.settings.state_path == home / "records" / "state.db"
        net.state.put(net.state_scope, "k", "d", {"x": 1})
    assert (home / "records" / "state.db").exists()
    assert not Path("~").exists()  # nothing where the job runs


def test_each_backend_with_its_own_state_path_starts_at_home(home: Path) -> None:
    threads = ThreadsSettings(access_token="t", user_id="1", state_path="~/t.db")
    minds = MindsSettings(username="u", password="p", state_path="~/m.db")
    assert (threads.state_path, minds.state_path) == (home / "t.db", home / "m.db")


def test_bluesky_session_file_starts_at_home(home: Path) -> None:
    settings = BlueskySettings(handle="brand.test", session_file="~/.bsky-session")
    assert settings.session_file == home / ".bsky-session"
