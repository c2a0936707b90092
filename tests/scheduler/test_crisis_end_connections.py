"""``Crisis.end(nets=[...])`` unpins with the connections it is given, before the crisis's own."""

from __future__ import annotations

from pathlib import Path

import pytest

import decentsocial as ds


def test_a_fresh_connection_unpins_when_the_crisis_own_was_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", str(tmp_path / "state"))
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as net:
        c = ds.crisis("نحن على علم بالمشكلة 🚧", [net])
    (statement,) = c.pinned
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as fresh:
        ended = c.end(nets=[fresh])
        assert ended.errors == ()
        assert ended.unpinned == (statement.id,)
        assert list(fresh.pinned()) == []  # the all-clear leaves no statement on top
    assert ds.Crisis.active() is None
