"""The sandbox's contract-suite harness: two accounts on one sandbox database file.

The sandbox is embedded, so there is no server to start: ``me`` and
``other`` are two ``connect("sandbox", path=..., account=...)`` connections
to the same file, as users sharing a sandbox do.
Reads see writes at once (``immediate``).

The exit script opens a second file in the same temporary directory from a
fresh interpreter, publishes, streams and searches, and never closes: the
sandbox must close its SQLite connections by itself at exit. Its own
finalizer, created before the sandbox's and so run after it, reports a
database still open (its write-ahead log still on disk), and warnings are
on so that Python 3.13's ResourceWarning for an unclosed connection shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest

import decentsocial as ds
from tests.contract.harness import Harness, immediate

HARNESSES = ("sandbox",)

EXIT_SCRIPT = """
import os
import sys
import warnings
import weakref

warnings.simplefilter("default")

import decentsocial as ds

PATH = EXIT_PATH


def still_open() -> None:
    if os.path.exists(PATH + "-wal"):
        sys.stderr.write("the sandbox database was left open at exit\\n")


weakref.finalize(still_open, still_open)  # runs after every finalizer created later
alice = ds.connect("sandbox", path=PATH, account="alice")
bob = ds.connect("sandbox", path=PATH, account="bob")
feed = alice.stream(tag="exit")
post = bob.publish("leaving without closing #exit")
assert next(feed).id == post.id
assert [p.id for p in alice.search("#exit")] == [post.id]
bob.as_account("carol").follow("bob")
assert os.path.exists(PATH + "-wal")  # open now: the check above can see the difference
"""


@pytest.fixture(scope="session")
def sandbox_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    path = tmp_path_factory.mktemp("sandbox") / "contract.db"
    exit_path = path.parent / "exit.db"
    me = ds.connect("sandbox", path=str(path), account="alice", display_name="Alice")
    other = ds.connect("sandbox", path=str(path), account="bob", display_name="Bob")
    try:
        me.me()
        other.me()  # both accounts exist before any case follows, mentions or tips them
        yield Harness(
            name="sandbox",
            # BaseNetwork declares ``name`` as a ClassVar, which mypy will not match to the
            # protocol's instance attribute; at run time it is a Network (isinstance passes).
            me=cast(ds.Network, me),
            other=cast(ds.Network, other),
            eventually=immediate,
            samples={"tip": "0.001 SAND"},
            exit_script=EXIT_SCRIPT.replace("EXIT_PATH", repr(str(exit_path))),
        )
    finally:
        other.close()
        me.close()
