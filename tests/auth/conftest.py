"""Every sign-in test gets its own config file and its own keyring file, never the user's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Store:
    """Where a test's profiles and secrets go."""

    config: Path
    keyring: Path

    def secrets(self) -> dict[str, str]:
        if not self.keyring.exists():
            return {}
        data: dict[str, dict[str, str]] = json.loads(self.keyring.read_text())
        return data.get("decentsocial", {})

    def config_text(self) -> str:
        return self.config.read_text() if self.config.exists() else ""


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    import keyring.core

    config = tmp_path / "config.toml"
    secrets = tmp_path / "keyring.json"
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    monkeypatch.setenv("DECENTSOCIAL_TEST_KEYRING", str(secrets))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.keyring_backend.FileKeyring")
    keyring.core.init_backend()  # the library reads PYTHON_KEYRING_BACKEND here
    assert type(keyring.get_keyring()).__name__ == "FileKeyring"
    yield Store(config, secrets)
    monkeypatch.undo()
    keyring.core.init_backend()
