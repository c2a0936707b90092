"""Writing files that hold secrets (saved sessions, keys): private from the first byte, atomically.

A file created with the default mode and tightened afterwards is readable by
others for a moment; one written in place can be left half-written; a stale
temporary file from a crash may already exist with loose permissions.
:func:`write_private_file` creates a fresh temporary file with mode 0600
(``O_EXCL``, so nothing lying around is reused), writes and syncs it, and
renames it over the target: the secret is never readable by others, and
readers see the old file or the new one, never a mix. A folder made for
such a file is the user's only (0700).

:func:`exclusive` serialises read-change-write cycles on such a file across
processes (two sign-ins saving profiles at once each keep their change). A
lock held elsewhere past :data:`LOCK_WAIT` is a ``TimeoutError``, which each
caller says in its own terms (the config file, a monitor's cursor).

:func:`read_small_file` reads such a file back: only a regular file, and only
up to a bound, so a pipe, a device or a huge file put in its place is an
error instead of a hang or an exhausted memory.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["exclusive", "read_small_file", "write_private_file"]

#: How long :func:`exclusive` waits for another process's change before it gives up.
LOCK_WAIT = 30.0
#: The largest saved session read back (Bluesky's ``session_file``): a session is a few kilobytes of tokens.
MAX_SESSION_FILE_BYTES = 1024 * 1024


def write_private_file(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``, readable and writable by this user only (0600)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)  # whatever the umask made of it
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_small_file(path: Path, limit: int) -> bytes | None:
    """The bytes of the regular file ``path``, ``None`` when there is none; ``OSError`` for anything else.

    Checked on the open descriptor, not the name, so nothing swapped in after
    a check is read: a FIFO (opened without blocking; reading it would wait for
    a writer for ever), a device (``/dev/zero`` never ends), a folder, or a file
    over ``limit`` bytes (read no further than that) is refused, saying which.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a folder, a pipe or a device)", str(path))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(descriptor, limit + 1 - size)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
        raise OSError(errno.EFBIG, f"larger than {limit} bytes, more than such a file ever holds", str(path))
    finally:
        os.close(descriptor)


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the lock of ``path`` (the file ``<path>.lock`` beside it, kept) against other processes.

    Waits up to :data:`LOCK_WAIT` seconds for a process holding it, then
    ``TimeoutError`` (an ``OSError``; the caller says what it means). The
    lock goes with the process: one that dies holding it frees it.
    """
    lock = path.with_name(path.name + ".lock")
    lock.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while not _try_lock(descriptor):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{lock.name} stayed locked for over {LOCK_WAIT:.0f} s")
            time.sleep(0.02)
        try:
            yield
        finally:
            _unlock(descriptor)
    finally:
        os.close(descriptor)


if sys.platform == "win32":  # pragma: no cover - the tests run on Linux
    import msvcrt

    def _try_lock(descriptor: int) -> bool:
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(descriptor: int) -> None:
        os.lseek(descriptor, 0, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(descriptor: int) -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
