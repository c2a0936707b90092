"""What a logical publish has already done, remembered by idempotency key.

Networks without a server-side idempotency mechanism (Threads' two-step
containers, Minds) keep a record per ``Draft.idempotency_key`` so that a
retry resumes the publish instead of repeating it. Records live in memory,
and in a JSON file when the backend is given a ``state_path``, so they also
survive a restart. The file holds ids and text only, never secrets.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Generic, TypeVar

from .errors import ConfigurationError
from .models import Draft

__all__ = ["PublishLog", "draft_digest"]

R = TypeVar("R")

#: Records older than this are dropped when the file is written.
KEEP_SECONDS = 30 * 86400


def draft_digest(draft: Draft) -> str:
    """A fingerprint of the whole draft: one idempotency key must mean one draft."""
    return hashlib.sha256(draft.model_dump_json().encode()).hexdigest()


class PublishLog(Generic[R]):
    """Idempotency key -> a backend's record (a dataclass) of what that publish has made."""

    def __init__(self, record_type: type[R], path: Path | None, *, network: str) -> None:
        self.record_type = record_type
        self.path = path
        self.network = network
        self._records: dict[str, tuple[float, R]] = {}
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            self._records = {
                key: (float(entry["saved_at"]), self.record_type(**entry["record"]))
                for key, entry in data.items()
            }
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ConfigurationError(
                f"cannot read the {self.network} state file {path}: {exc}", network=self.network
            ) from exc

    def get(self, key: str | None) -> R | None:
        entry = self._records.get(key) if key else None
        return entry[1] if entry else None

    def records(self) -> list[R]:
        return [record for _, record in self._records.values()]

    def put(self, key: str | None, record: R) -> None:
        """Remember ``record`` under ``key`` (no key: nothing to remember)."""
        if key:
            self._records[key] = (time.time(), record)
            self.save()

    def drop(self, record: R) -> None:
        """Forget ``record`` (its publish failed for good, so the key may start afresh)."""
        for key, (_, value) in list(self._records.items()):
            if value is record:
                del self._records[key]
        self.save()

    def save(self) -> None:
        """Write the file atomically, leaving out records older than ``KEEP_SECONDS``."""
        if self.path is None:
            return
        cutoff = time.time() - KEEP_SECONDS
        keep = {
            key: {"saved_at": saved_at, "record": asdict(record)}  # type: ignore[call-overload]
            for key, (saved_at, record) in self._records.items()
            if saved_at >= cutoff
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(keep), encoding="utf-8")
        os.replace(tmp, self.path)
