"""What a logical publish has already done, remembered by idempotency key.

Networks without a server-side idempotency mechanism (Threads' two-step
containers, Minds) keep a record per ``Draft.idempotency_key`` so that a
retry resumes the publish instead of repeating it. Records live in the
shared state store (:mod:`decentsocial.state`, a SQLite file), so they
survive a restart and are shared by every process. They hold ids and text
only, never secrets.

A backend's record is a dataclass deriving from :class:`PublishRecord`
(what every resumable publish remembers) plus its own fields. A publish goes::

    with log.exclusive(key, lease=…):    # one publish of a key at a time, across processes
        record = log.resume(key, draft)    # InvalidInput if the key was used for another draft
        if record is None:
            record = log.remember(key, MyRecord(digest=draft_digest(draft), text=draft.text, …))
        …                                  # on a refusal that made nothing: log.drop(record)
        log.finish(record, post_id)

Earlier versions kept a JSON file (``{key: {"saved_at": …, "record": {…}}}``) at
``state_path``; such a file is converted on first use and kept beside the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Generic, TypeVar

from .canonical import canonical_json
from .errors import ConfigurationError, DecentSocialError, InvalidInput, NetworkUnavailable
from .models import Amount, Draft, Post
from .state import StateStore

__all__ = ["PublishLog", "PublishRecord", "draft_digest", "draft_digests", "may_have_happened"]


def draft_digest(draft: Draft, *, network: str | None = None) -> str:
    """A fingerprint of the whole draft: one idempotency key must mean one draft.

    Taken of :func:`~decentsocial.canonical.canonical_json`, so the order ``options`` were built in
    changes nothing (a draft whose options are empty or sorted keeps the digest earlier versions
    gave it; :func:`draft_digests` adds the one they gave the others). ``InvalidInput`` for a draft
    JSON cannot hold. Validation refuses one, but a copy made without it (``model_copy``,
    ``with_text``) may hold a lone surrogate or an option value that is not JSON.
    """
    return draft_digests(draft, network=network)[0]


def draft_digests(draft: Draft, *, network: str | None = None) -> tuple[str, ...]:
    """:func:`draft_digest`, then the digest versions before it kept for this draft when that differs.

    Those hashed the draft's JSON with ``options`` in the order given, and kept ``tags`` lower-cased
    only, not in NFC: a draft typed decomposed (macOS) hashed its tags so. A record they wrote
    must still match the same draft sent again (a retry after an upgrade), never be refused as
    another draft, nor rewritten. ``InvalidInput`` as :func:`draft_digest`.
    """
    decomposed = tuple(unicodedata.normalize("NFD", tag) for tag in draft.tags)
    drafts = [draft] if decomposed == draft.tags else [draft, draft.model_copy(update={"tags": decomposed})]
    try:
        texts = [t for d in drafts for t in (canonical_json(d), d.model_dump_json() if d.options else "")]
    except ValueError:  # PydanticSerializationError
        try:  # validated again, it says which field holds what, as building it would have
            type(draft).model_validate(dict(draft))
        except InvalidInput as exc:
            raise InvalidInput(f"the draft cannot be kept as JSON: {exc.message}", network=network) from None
        raise InvalidInput("the draft cannot be kept as JSON", network=network) from None
    return tuple(_sha256(text) for text in dict.fromkeys(texts) if text)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def replace_key(old_id: str, draft: Draft, used: Callable[[str], bool], *, network: str | None = None) -> str:
    """The idempotency key of the new post ``edit(replace=True)`` makes: of the old post and the draft.

    Made of :func:`draft_digest`, so running the replacement again finds its post whatever order
    the options come in. A replacement an older version began made it of the legacy digest
    (:func:`draft_digests`): when ``used`` (the connection's ``_publish_key_used``: its claims in
    the state store, or the keys a network keeps itself) says a publish took that key, it is that
    key, and running it again returns that post instead of making a second.
    """
    keys = [
        hashlib.sha256(f"replace\x1f{old_id}\x1f{digest}".encode()).hexdigest()[:32]
        for digest in draft_digests(draft, network=network)
    ]
    return next((key for key in keys[1:] if used(key)), keys[0])


#: What a post kept under its idempotency key leaves out: the payloads and media bytes.
_NOT_KEPT: Any = {
    "raw": True,
    "author": {"raw": True},
    "reposted_by": {"raw": True},
    "media": {"__all__": {"data"}},
}


def key_record(post: Post) -> dict[str, Any]:
    """What the base keyed publish records under a key once its post is made."""
    return {"post": post.model_dump(mode="json", exclude=_NOT_KEPT)}


def post_of_key(earlier: dict[str, Any], key: str, *, network: str) -> Post:
    """The post an earlier publish with ``key`` made (see :func:`key_record`); a non-retryable
    ``NetworkUnavailable`` when it has none: that publish is under way, or its answer was lost and
    it may have been made, so publishing again could make a second post. A kept post this version
    cannot read (a hand-edited or damaged state file) is a ``ConfigurationError``, never a new post."""
    if isinstance(earlier.get("post"), dict):
        try:
            return Post.model_validate(earlier["post"])
        except ValueError as exc:  # pydantic's ValidationError
            raise ConfigurationError(
                f"the {network} state holds a post for idempotency key {key!r} this version cannot "
                f"read ({exc.__class__.__name__}); look for the post before publishing it with a new key",
                network=network,
            ) from None
    raise NetworkUnavailable(
        f"a publish with idempotency key {key!r} is under way, or its answer was lost: it may have been "
        "made; look for the post before publishing it with a new key",
        network=network,
        retryable=False,
    )


def tip_fingerprint(to: str, amount: Amount, memo: str) -> str:
    """What one idempotency key of ``tip`` stands for: whom, how much, and the memo (hashed whatever
    the text holds: the backend refuses a recipient that is not valid Unicode its own way)."""
    return hashlib.sha256(f"{to}\x1f{amount}\x1f{memo}".encode("utf-8", "surrogatepass")).hexdigest()


def receipt_of_key(earlier: dict[str, Any], key: str, *, network: str) -> str:
    """The receipt of the tip an earlier call with ``key`` sent; as :func:`post_of_key`, a
    non-retryable ``NetworkUnavailable`` when none was recorded: that tip may have been paid."""
    if earlier.get("receipt"):
        return str(earlier["receipt"])
    raise NetworkUnavailable(
        f"a tip with idempotency key {key!r} is under way, or its answer was lost: it may have been paid; "
        "check the account's history before tipping with a new key",
        network=network,
        retryable=False,
    )


def may_have_happened(exc: DecentSocialError) -> bool:
    """Whether a write that failed with ``exc`` may still have been made: its answer was lost.

    A refusal (4xx, 429) made nothing, nor did a request that never left
    (``NetworkUnavailable.sent`` false: the connection did not open); everything
    else that is ``NetworkUnavailable`` (a timeout, a 5xx after sending) is
    ambiguous, retryable or not: a write safe to repeat (an ``Idempotency-Key``,
    a signed transaction) may have been made all the same.
    """
    return isinstance(exc, NetworkUnavailable) and exc.sent


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
    """Idempotency key -> a backend's :class:`PublishRecord` of what that publish has made.

    The records live in a :class:`~decentsocial.state.StateStore` (a SQLite
    file shared by every process; by default the user's), under ``scope``
    (the network and the account), so a restart or a second process
    resumes a publish instead of repeating it. A ``path`` holding the JSON
    file earlier versions wrote is converted once, keeping its records.
    """

    def __init__(
        self, record_type: type[R], path: Path | None, *, network: str, scope: str | None = None
    ) -> None:
        self.record_type = record_type
        self.network = network
        self.scope = f"records:{scope or network}"
        self._leases = f"leases:{scope or network}"
        if path is not None and _is_json_log(path):
            _read_json_log(path, network)  # a file that cannot be read is refused before it is moved
            _move_aside(path)
        self.store = StateStore.open(path)
        if path is not None:
            self._import_json_log(path)
        # The records in flight (remembered, not yet finished or dropped), by key and by object:
        # a finished record lives in the store only, so a bot's memory does not grow with every
        # keyed post it ever made, and finishing one costs the same after a million.
        self._cache: dict[str, R] = {}
        self._key_of: dict[int, str] = {}

    def _import_json_log(self, path: Path) -> None:
        """Copy the records of the JSON file earlier versions wrote at ``path`` into the store.

        The file is moved aside under a name that says its import is not done, and renamed once
        it is: a process stopped in between (a crash, Ctrl-C, a store that failed mid-import)
        imports it on its next start instead of forgetting every key, which would post again.
        A key the store already holds is left as it is (another process imported it first).
        """
        importing = _importing(path)
        if not importing.exists():
            return
        for key, data in _read_json_log(importing, self.network).items():
            if self.store.get(self.scope, key) is None:
                self.store.put(self.scope, key, str(data.get("digest", "")), data)
        with contextlib.suppress(FileNotFoundError):  # another process finished the same import first
            importing.rename(path.with_name(path.name + ".json-before-sqlite"))

    @contextmanager
    def exclusive(self, key: str | None, *, lease: float) -> Iterator[None]:
        """Run the publish of ``key`` alone: no other one (thread, process, machine on this store)
        publishes it meanwhile, for up to ``lease`` seconds (then a holder that died is taken over).

        Another publish of the key meanwhile is ``NetworkUnavailable``, not
        retryable (the first may be making the post): sent again later with
        the same key, it returns that post. Without a key, nothing is held.
        """
        if not key:
            yield
            return
        owner = f"{os.getpid()}:{uuid.uuid4().hex}"
        now = time.time()
        held = self.store.take_lease(self._leases, key, owner, now + lease, now, network=self.network)
        if held is not None:
            raise NetworkUnavailable(
                f"another publish with this idempotency_key is in progress (its claim runs "
                f"{held - now:.0f} s more): publish again later with the same key, and it gives that "
                "publish's post",
                network=self.network,
                retryable=False,
            )
        try:
            yield
        finally:
            self.store.end_lease(self._leases, key, owner)

    def resume(self, key: str | None, draft: Draft) -> R | None:
        """The record an earlier publish of ``draft`` under ``key`` left, or ``None`` (no key: ``None``).

        Raises ``InvalidInput`` when ``key`` was used for a different draft.
        """
        record = self.get(key)  # its digest may be one an earlier version took (draft_digests)
        if record is not None and record.digest not in draft_digests(draft, network=self.network):
            raise InvalidInput(
                "this idempotency_key was already used for a different draft", network=self.network
            )
        return record

    def remember(self, key: str | None, record: R) -> R:
        """Remember ``record`` under ``key`` (written to the store at once) and return it."""
        self.put(key, record)
        return record

    def finish(self, record: R, post_id: str) -> None:
        """Record the post a publish made: a retry with the same key returns it.

        Only this record is written, and the log lets go of it (the store keeps it).
        """
        record.post_id = post_id
        key = self._forget(record)
        if key is not None:
            self.store.put(self.scope, key, record.digest, asdict(record))

    def claimed(self) -> set[str]:
        """Post ids some key already stands for (a lookup for a lost answer must not take them)."""
        return {record.post_id for record in self.records() if record.post_id}

    def get(self, key: str | None) -> R | None:
        """The record under ``key``, unchecked (``resume`` checks it is for the same draft)."""
        if not key:
            return None
        found = self.store.get(self.scope, key)
        record = self._cache.get(key)
        if found is None:
            if record is not None:
                self._forget(record)
            return None
        fresh = self._build(found[1])
        if record is None:
            if fresh.post_id is None:  # in flight (here or in another process): finish() will name it
                self._hold(key, fresh)
            return fresh
        # The same object as before, brought up to date (another process may have moved it on).
        for field in fields(record):
            setattr(record, field.name, getattr(fresh, field.name))
        if record.post_id is not None:  # finished elsewhere: the store has it
            self._forget(record)
        return record

    def records(self) -> list[R]:
        """Every record this log holds."""
        return [self._build(data) for _, _, data in self.store.items(self.scope)]

    def put(self, key: str | None, record: R) -> None:
        """Remember ``record`` under ``key`` (no key: nothing to remember)."""
        if key:
            previous = self._cache.get(key)
            if previous is not None:
                self._forget(previous)
            self._hold(key, record)
            self.store.put(self.scope, key, record.digest, asdict(record))

    def drop(self, record: R) -> None:
        """Forget ``record`` (its publish failed for good, so the key may start afresh)."""
        key = self._forget(record)
        if key is not None:
            self.store.drop(self.scope, key)

    def _hold(self, key: str, record: R) -> None:
        self._cache[key] = record
        self._key_of[id(record)] = key  # held in _cache, so its id stays its own

    def _forget(self, record: R) -> str | None:
        """Let go of ``record``; its key, or ``None`` when this log did not hold it."""
        key = self._key_of.pop(id(record), None)
        if key is not None:
            del self._cache[key]
        return key

    def save(self) -> None:
        """Write the records in flight that changed in place (a backend's own fields) to the store."""
        for key, record in self._cache.items():
            self.store.put(self.scope, key, record.digest, asdict(record))

    def _build(self, data: dict[str, Any]) -> R:
        try:
            return self.record_type(**data)
        except TypeError as exc:
            raise ConfigurationError(
                f"the {self.network} state holds a record this version cannot read: {exc}",
                network=self.network,
            ) from exc


def _importing(path: Path) -> Path:
    """Where the JSON log earlier versions wrote at ``path`` waits while its records are imported."""
    return path.with_name(path.name + ".json-importing")


def _move_aside(path: Path) -> None:
    """Move the JSON log at ``path`` to :func:`_importing`, unless another process did.

    Linked, checked, then unlinked rather than renamed: a rename by a process that read the log
    just before another moved it would move that process's new store instead, and overwrite the
    log being imported (two stores, and the keys in neither: a second post each).
    """
    importing = _importing(path)
    try:
        os.link(path, importing)
    except FileExistsError:  # another process is importing it, or stopped between link and unlink
        with contextlib.suppress(OSError):
            if importing.samefile(path):
                path.unlink()
        return
    except FileNotFoundError:  # another process has moved it
        return
    except OSError:  # a file system without hard links: the move as it was
        path.rename(importing)
        return
    if not _is_json_log(importing):  # path was already another process's store: leave it be
        importing.unlink()
        return
    path.unlink(missing_ok=True)


def _is_json_log(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(1) == b"{"
    except OSError:
        return False


def _read_json_log(path: Path, network: str) -> dict[str, dict[str, Any]]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return {key: dict(entry["record"]) for key, entry in data.items()}
    except (OSError, ValueError, TypeError, KeyError, RecursionError) as exc:
        raise ConfigurationError(
            f"cannot read the {network} state file {path}: {exc}", network=network
        ) from exc
