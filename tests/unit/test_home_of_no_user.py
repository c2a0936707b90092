"""A path whose ``~name`` names no user here (``~brnad/x.db``, a mistyped ``~brand``) is the SDK's own
typed error naming the setting or argument, wherever a path is taken: ``Path.expanduser`` raises a bare
``RuntimeError`` ("Could not determine home directory"), which escaped from every one of these."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.scheduler import Scheduler

NO_USER = "~no-such-user-decentsocial"


def _monitor(tmp_path: Path) -> object:
    net = ds.connect("sandbox", path=tmp_path / "s.db")
    return next(iter(ds.monitor([net], "launch", cursor=f"{NO_USER}/c.json", max_polls=1)), None)


CASES: dict[str, tuple[Callable[[Path], object], type[ds.DecentSocialError], str]] = {
    "scheduler store": (
        lambda _: Scheduler(f"{NO_USER}/campaign.db"),
        ds.ConfigurationError,
        "scheduler store",
    ),
    "metrics store": (lambda _: ds.track([], f"{NO_USER}/m.db"), ds.ConfigurationError, "metrics store"),
    "history": (lambda _: ds.history(f"{NO_USER}/m.db"), ds.ConfigurationError, "metrics store"),
    "monitor cursor": (_monitor, ds.InvalidInput, "cursor"),
    "sandbox path": (lambda _: ds.connect("sandbox", path=f"{NO_USER}/s.db"), ds.ConfigurationError, "path"),
    "state_path": (
        lambda tmp: ds.connect("sandbox", path=tmp / "s.db", state_path=f"{NO_USER}/state.db"),
        ds.ConfigurationError,
        "state_path",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_home_of_no_user_is_a_typed_error_naming_what(case: str, tmp_path: Path) -> None:
    call, error, what = CASES[case]
    with pytest.raises(error, match=what) as caught:
        call(tmp_path)
    assert "no user's home" in str(caught.value)


def test_the_state_dir_variable_too(monkeypatch: pytest.MonkeyPatch) -> None:
    from decentsocial.state import default_state_path

    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", f"{NO_USER}/state")
    with pytest.raises(ds.ConfigurationError, match="DECENTSOCIAL_STATE_DIR"):
        default_state_path()


def test_a_home_of_this_user_is_still_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with ds.connect("sandbox", path="~/s.db") as net:
        net.publish("مرحبا")
    assert (tmp_path / "s.db").exists()
