"""``logout`` forgets a profile whose ``session_file`` names no file there can be (a ``~name`` of no
user, a name too long for the file system): no session can be kept there, so there is nothing to
revoke or remove, and the profile must not be stuck in the config file (before, logout failed, and for
the long name with a bare OSError)."""

from __future__ import annotations

from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.config import profile_names

UNUSABLE = ["~no-such-user-here-zz/session.txt", "s" * 5000, "/tmp/" + "d" * 300 + "/session.txt"]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(path))
    return path


@pytest.mark.parametrize("session_file", UNUSABLE)
@pytest.mark.parametrize("revoke", [False, True])
def test_logout_forgets_a_profile_whose_session_file_cannot_exist(
    config: Path, session_file: str, revoke: bool
) -> None:
    config.write_text(
        f'[profiles.other]\nnetwork = "nostr"\n\n[profiles.brand-bluesky]\nnetwork = "bluesky"\n'
        f'handle = "brand.example"\nsession_file = "{session_file}"\n'
    )
    done = ds.auth.logout("brand-bluesky", revoke=revoke)
    assert done[-1] == "profile brand-bluesky removed from the config file"
    assert profile_names() == ["other"]


@pytest.mark.parametrize("session_file", UNUSABLE)
def test_profiles_lists_a_profile_whose_session_file_cannot_exist(config: Path, session_file: str) -> None:
    config.write_text(f'[profiles.b]\nnetwork = "bluesky"\nsession_file = "{session_file}"\n')
    assert [p.name for p in ds.auth.profiles()] == ["b"]
