"""A crosspost without a key, interrupted once a network posted, tells the key it made.

The key was in the result only, which an interrupted call never returns: a
run again (with a new random key) could not find the posts already made,
and posted them twice. Now the key is logged at WARNING and added to the
exception as a note (Python 3.11+). The interruption comes from a sandbox
account whose publish is written and then interrupted, as a Ctrl-C that
lands as the answer comes; a re-run with the key told posts nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial import aio
from decentsocial.backends.sandbox import SandboxNetwork, SandboxSettings
from decentsocial.models import Draft, Post

TEXT = "Flash sale today #acme"
_KEY = re.compile(r"idempotency_key='([0-9a-f]{32})'")


class Interrupted(SandboxNetwork):
    """A sandbox account whose first publish is written, then interrupted before its answer is returned:
    by ``KeyboardInterrupt``, or (``hold``) by waiting there until released, so a task can be cancelled."""

    def __init__(self, settings: SandboxSettings, *, hold: bool = False) -> None:
        super().__init__(settings)
        self.armed = True
        self.hold = hold
        self.written = threading.Event()
        self.release = threading.Event()

    def _publish(self, draft: Draft) -> Post:
        post = super()._publish(draft)
        if self.armed:
            self.armed = False
            self.written.set()
            if not self.hold:
                raise KeyboardInterrupt
            self.release.wait(30)
        return post


def _accounts(tmp_path: Path, *, hold: bool = False) -> tuple[SandboxNetwork, Interrupted]:
    path = tmp_path / "s.db"
    brand = ds.connect("sandbox", path=path, account="brand")
    agency = Interrupted(SandboxSettings(path=path, account="agency"), hold=hold)
    return brand, agency


def _told_key(caplog: pytest.LogCaptureFixture) -> str:
    said = [r.getMessage() for r in caplog.records if r.name == "decentsocial.crosspost"]
    said = [m for m in said if r"idempotency_key=" in m and m.startswith("crosspost interrupted")]
    assert len(said) == 1, f"the key was not told once: {said}"
    found = _KEY.search(said[0])
    assert found is not None, said[0]
    return found.group(1)


def _noted(exc: BaseException, key: str) -> None:
    if sys.version_info < (3, 11):
        return  # no add_note before 3.11: the log line alone says it
    notes = getattr(exc, "__notes__", [])
    assert any(f"idempotency_key={key!r}" in note for note in notes), notes


def _posted(net: SandboxNetwork) -> list[str]:
    return sorted(f"{p.author.handle}:{p.id}" for p in net.search("acme", limit=None))


def test_an_interrupted_crosspost_tells_its_key_and_a_rerun_posts_nothing_twice(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    brand, agency = _accounts(tmp_path)
    try:
        with (
            caplog.at_level(logging.WARNING, "decentsocial.crosspost"),
            pytest.raises(KeyboardInterrupt) as caught,
        ):
            ds.crosspost(TEXT, [brand, agency])
        key = _told_key(caplog)
        _noted(caught.value, key)
        before = _posted(brand)
        assert len(before) == 2  # brand posted, and agency's post was written as the interrupt came
        again = ds.crosspost(Draft(text=TEXT, idempotency_key=key), [brand, agency])
        assert again.ok, again.errors
        assert _posted(brand) == before  # found by the key, not posted twice
        assert sorted(f"{p.author.handle}:{p.id}" for p in again.posts) == before
    finally:
        brand.close()
        agency.close()


def test_a_key_given_is_not_told(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The caller has its own key: no line to say it (and no note on its exception)."""
    brand, agency = _accounts(tmp_path)
    try:
        with (
            caplog.at_level(logging.WARNING, "decentsocial.crosspost"),
            pytest.raises(KeyboardInterrupt) as caught,
        ):
            ds.crosspost(Draft(text=TEXT, idempotency_key="launch"), [brand, agency])
    finally:
        brand.close()
        agency.close()
    assert not [r for r in caplog.records if "idempotency_key=" in r.getMessage()]
    assert not getattr(caught.value, "__notes__", [])


def test_a_cancelled_aio_crosspost_tells_its_key_and_a_rerun_posts_nothing_twice(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    brand, agency = _accounts(tmp_path, hold=True)

    async def main() -> tuple[BaseException, ds.CrosspostResult]:
        nets = [aio.wrap(brand), aio.wrap(agency)]
        task = asyncio.ensure_future(aio.crosspost(TEXT, nets))
        while not agency.written.is_set():  # brand has posted, agency's post is written, its answer held
            assert not task.done(), task
            await asyncio.sleep(0.01)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError as exc:
            cancelled: BaseException = exc
        else:
            raise AssertionError("the crosspost was not cancelled")
        agency.release.set()  # its thread goes on and ends its publish
        key = _told_key(caplog)
        return cancelled, await aio.crosspost(Draft(text=TEXT, idempotency_key=key), nets)

    try:
        with caplog.at_level(logging.WARNING, "decentsocial.crosspost"):
            cancelled, again = asyncio.run(main())
        key = _told_key(caplog)
        _noted(cancelled, key)
        assert again.ok, again.errors
        posted = _posted(brand)
        assert len(posted) == 2  # one each: the re-run found both by the key
        assert sorted(f"{p.author.handle}:{p.id}" for p in again.posts) == posted
    finally:
        agency.release.set()
        brand.close()
        agency.close()
