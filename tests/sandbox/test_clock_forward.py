"""``now`` on a connection to an existing sandbox never moves its shared clock back.

It did: the second connection froze the clock at its ``now``, and every post, vote and claim
made after that instant vanished for every account ("not found (yet)").
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from decentsocial import ConfigurationError

from .conftest import START, sandbox


def test_an_earlier_now_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    alice = sandbox(path=db, account="alice", now=START)
    alice.advance_time(timedelta(days=1))
    post = alice.publish("made on day 2")
    bob = sandbox(path=db, account="bob", now=START)  # the same profile, run again
    with pytest.raises(ConfigurationError, match="only moves forward"):
        bob.me()
    bob.close()
    assert alice.current_time() == START + timedelta(days=1)
    assert [p.id for p in alice.posts()] == [post.id]
    alice.close()


def test_the_same_or_a_later_now_still_freezes_the_clock(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    alice = sandbox(path=db, account="alice", now=START)
    alice.publish("hello")
    again = sandbox(path=db, account="alice", now=START)  # a script run again on its own file
    assert again.current_time() == START
    later = sandbox(path=db, account="bob", now=START + timedelta(hours=1))
    assert later.current_time() == START + timedelta(hours=1)
    assert alice.current_time() == START + timedelta(hours=1)  # one clock for the file
    for net in (alice, again, later):
        net.close()


def test_a_new_sandbox_may_start_in_the_past() -> None:
    net = sandbox(account="alice", now=START)  # before the real time: a new database starts anywhere
    assert net.current_time() == START
    net.close()
