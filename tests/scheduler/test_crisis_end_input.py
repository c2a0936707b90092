"""``Crisis.end`` given the wrong kind of ``nets`` says so with ``InvalidInput`` and changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds


@pytest.mark.parametrize("nets", ["one", ["brand-a"], [None], "connection alone"])
def test_nets_that_are_not_a_list_of_connections_are_invalid_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nets: Any
) -> None:
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", str(tmp_path / "state"))
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as net:
        c = ds.crisis("Wir prüfen das. نحن نتابع 🚧", [net])
        active = ds.Crisis.active()
        assert active is not None
        given: Any = net if nets == "connection alone" else nets
        with pytest.raises(ds.InvalidInput, match="connections"):
            active.end(given)
        assert ds.Crisis.active() is not None  # nothing changed: still pinned, still active
        assert [p.id for p in net.pinned()] == [c.pinned[0].id]
        assert active.end([net]).unpinned == (c.pinned[0].id,)
        assert list(net.pinned()) == []
