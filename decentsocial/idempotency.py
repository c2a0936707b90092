"""What a logical publish has already done, remembered by idempotency key.

Networks without a server-side idempotency mechanism (Threads' two-step
containers, Minds) keep a record per ``Draft.idempotency_key`` so that a
retry resumes the publish instead of repeating it. Records live in memory,
and in a JSON file when the backend is given a ``state_path``, so they also
survive a restart. The file holds ids and text only, never secrets.

A backend's record is a dataclass deriving from :class:`PublishRecord`
(what every resumable publish remembers) plus its own fields. A publish goes::

    record = log.resume(key, draft)        # InvalidInput if the key was used for another draft
    if record is None:
        record = log.remember(key, MyRecord(digest=draft_digest(draft), text=draft.text, …))
    …                                      # on a refusal that made nothing: log.drop(record)
    log.finish(record, post_id)

The file format is ``{key: {"saved_at": unix seconds, "record": {field: value}}}``.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from .errors import ConfigurationError, DecentSocialError, InvalidInput, NetworkUnavailable
from .models import Draft

__all__ = ["PublishLog", "PublishRecord", "draft_digest", "may_have_happened"]

#: Records older than this are dropped when the file is written.
KEEP_SECONDS = 30 * 86400


def draft_digest(draft: Draft) -> str:
    """A fingerprint of the whole draft: one idempotency key must mean one draft."""
    return hashlib.sha256(draft.model_dump_json().encode()).hexdigest()


def may_have_happened(exc: DecentSocialError) -> bool:
    """Whether a write that failed with ``exc`` may still have been made: its answer was lost.

    A refusal (4xx, 429) made nothing, and a connection that never opened is
    marked retryable; everything else that is ``NetworkUnavailable`` (a
    timeout, a 5xx after sending) is ambiguous.
    """
    return isinstance(exc, NetworkUnavailable) and not exc.retryable


@dataclass(kw_only=True)
class PublishRecord:
    """What every resumable publish remembers: the draft it was for and the post it made."""

    digest: str  # of the whole draft: one key, one draft
    text: str
    reply_to: str | None = None
    quote_of: str | None = None
    post_id: str | None = None


R = TypeVar("R", bound=PublishRecord)


class PublishLog(Generic[R]):
    """Idempotency key -> a backend's :class:`PublishRecord` of what that publish has made."""

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

    def resume(self, key: str | None, draft: Draft) -> R | None:
        """The record an earlier publish of ``draft`` under ``key`` left, or ``None`` (no key: ``None``).

        Raises ``InvalidInput`` when ``key`` was used for a different draft.
        """
        record = self.get(key)
        if record is not None and record.digest != draft_digest(draft):
            raise InvalidInput(
                "this idempotency_key was already used for a different draft", network=self.network
            )
        return record

    def remember(self, key: str | None, record: R) -> R:
        """Remember ``record`` under ``key`` (written to the file at once) and return it."""
        self.put(key, record)
        return record

    def finish(self, record: R, post_id: str) -> None:
        """Record the post a publish made: a retry with the same key returns it."""
        record.post_id = post_id
        self.save()

    def claimed(self) -> set[str]:
        """Post ids some key already stands for (a lookup for a lost answer must not take them)."""
        return {record.post_id for record in self.records() if record.post_id}

    def get(self, key: str | None) -> R | None:
        """The record under ``key``, unchecked (``resume`` checks it is for the same draft)."""
        entry = self._records.get(key) if key else None
        return entry[1] if entry else None

    def records(self) -> list[R]:
        """Every record this log holds."""
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
            key: {"saved_at": saved_at, "record": asdict(record)}
            for key, (saved_at, record) in self._records.items()
            if saved_at >= cutoff
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(keep), encoding="utf-8")
        os.replace(tmp, self.path)
