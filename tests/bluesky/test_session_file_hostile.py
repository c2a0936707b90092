"""A session_file that holds no session: a pipe, a device, a huge file or bytes that are not text.

Each is a ConfigurationError naming the file before any request (never a
hang, an exhausted memory or a UnicodeDecodeError), and the file is left as
it was: it may be something the user keeps that session_file names by mistake.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import decentsocial as ds

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-SECRET-77aa"
#: A closed loopback port: were the file read as a session or skipped, the login would fail there instead.
NOWHERE = "http://127.0.0.1:9"


def _me_in_child(session_file: Path) -> str:
    """``me()`` of a connection saving its session in ``session_file``, in a child with at most 1 GiB
    of memory and killed if it waits for ever; its one-line outcome."""
    script = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        import decentsocial as ds
        net = ds.connect("bluesky", handle="brand.example", password={PASSWORD!r}, base_url={NOWHERE!r},
                         allow_http=True, session_file={str(session_file)!r})
        try:
            net.me()
        except BaseException as exc:
            print(type(exc).__name__, exc)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        return "hung"
    return done.stdout.strip() if done.returncode == 0 else "crashed"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_as_session_file_is_refused_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "session")
    outcome = _me_in_child(tmp_path / "session")
    assert outcome.startswith("ConfigurationError"), outcome
    assert "not a regular file" in outcome
    assert PASSWORD not in outcome


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_named_as_session_file_is_refused_not_read() -> None:
    outcome = _me_in_child(Path("/dev/zero"))
    assert outcome.startswith("ConfigurationError"), outcome
    assert "not a regular file" in outcome


@pytest.mark.parametrize(
    "content", [b"\xff\xfe\x00binary", "déjà".encode("latin-1")], ids=["binary", "latin-1"]
)
def test_a_session_file_that_is_not_text_is_a_configuration_error_and_kept(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "session"
    path.write_bytes(content)
    net = ds.connect(
        "bluesky",
        handle="brand.example",
        password=PASSWORD,
        base_url=NOWHERE,
        allow_http=True,
        session_file=path,
    )
    with pytest.raises(ds.ConfigurationError, match="cannot read session file") as info:
        net.me()
    assert PASSWORD not in str(info.value)
    assert PASSWORD not in repr(info.value)
    assert path.read_bytes() == content


def test_a_session_file_larger_than_any_session_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "session"
    with path.open("wb") as file:  # sparse: no disk used
        file.truncate(64 * 1024 * 1024)
    net = ds.connect(
        "bluesky",
        handle="brand.example",
        password=PASSWORD,
        base_url=NOWHERE,
        allow_http=True,
        session_file=path,
    )
    with pytest.raises(ds.ConfigurationError, match="larger than"):
        net.me()
    assert path.stat().st_size == 64 * 1024 * 1024
