"""Writing files that hold secrets (saved sessions, keys): private from the first byte, atomically.

A file created with the default mode and tightened afterwards is readable by
others for a moment; one written in place can be left half-written; a stale
temporary file from a crash may already exist with loose permissions.
:func:`write_private_file` creates a fresh temporary file with mode 0600
(``O_EXCL``, so nothing lying around is reused), writes and syncs it, and
renames it over the target: the secret is never readable by others, and
readers see the old file or the new one, never a mix.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["write_private_file"]


def write_private_file(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``, readable and writable by this user only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
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
