"""A keyring backend for the tests: a JSON file named by ``DECENTSOCIAL_TEST_KEYRING``.

Chosen through the keyring library's own switch,
``PYTHON_KEYRING_BACKEND=tests.keyring_backend.FileKeyring``, so the code
under test calls the real ``keyring`` API and never reaches the user's
keyring. Tests read the file to see what was stored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    """Secrets in a JSON file: ``{"service": {"username": "secret"}}`` (tests only: in clear)."""

    priority = 1

    @property
    def path(self) -> Path:
        return Path(os.environ["DECENTSOCIAL_TEST_KEYRING"])

    def _load(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        data: dict[str, dict[str, str]] = json.loads(self.path.read_text(encoding="utf-8"))
        return data

    def _save(self, data: dict[str, dict[str, str]]) -> None:
        self.path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        if os.environ.get("DECENTSOCIAL_TEST_KEYRING_LOCKED"):
            raise RuntimeError("the test keyring is locked")
        # DECENTSOCIAL_TEST_KEYRING_FAIL_WRITE=N: the Nth write from now fails once (a keyring that
        # refuses part-way, as a locked keychain or a full disk does); the others go through.
        fail_at = os.environ.get("DECENTSOCIAL_TEST_KEYRING_FAIL_WRITE")
        if fail_at:
            count = int(os.environ.get("DECENTSOCIAL_TEST_KEYRING_WRITES", "0")) + 1
            os.environ["DECENTSOCIAL_TEST_KEYRING_WRITES"] = str(count)
            if count == int(fail_at):
                raise RuntimeError("the test keyring refused this write")
        data = self._load()
        data.setdefault(service, {})[username] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if username not in data.get(service, {}):
            raise PasswordDeleteError(username)
        del data[service][username]
        self._save(data)
