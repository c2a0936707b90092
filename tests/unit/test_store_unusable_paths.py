"""A path no file can have, given for a local store or a monitor's cursor: one holding a NUL character,
a name longer than the file system allows, a loop of symbolic links. Each is the SDK's typed error naming
it, never the bare ``ValueError`` ("embedded null byte"), ``OSError`` or ``RuntimeError`` of ``os``."""

from __future__ import annotations

from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.errors import ConfigurationError, InvalidInput
from decentsocial.monitor_state import CursorFile
from decentsocial.sqlite_store import SQLiteStore
from decentsocial.state import StateStore


@pytest.mark.parametrize("folder", [False, True], ids=["in-the-name", "in-the-folder"])
def test_a_cursor_path_with_nul_is_invalid_input(tmp_path: Path, folder: bool) -> None:
    path = tmp_path / ("a\x00b" if folder else "") / "monitor\x00.json"
    with pytest.raises(InvalidInput, match="cursor must be a file path"):
        CursorFile.load(str(path))


def test_monitor_refuses_a_cursor_path_with_nul_before_any_request(tmp_path: Path) -> None:
    net = ds.connect("sandbox", path=tmp_path / "s.db")
    try:
        with pytest.raises(InvalidInput):
            ds.monitor([net], "acme", cursor=tmp_path / "m\x00.json", max_polls=1)
    finally:
        net.close()


def test_a_state_store_path_with_nul_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="NUL"):
        StateStore.open(tmp_path / "state\x00.db")
    with pytest.raises(ConfigurationError, match="NUL"):
        StateStore(tmp_path / "state\x00.db")
    assert list(tmp_path.iterdir()) == []


def test_a_scheduler_store_path_with_nul_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="NUL"):
        SQLiteStore(tmp_path / "jobs\x00.db")
    with pytest.raises(ConfigurationError, match="NUL"):
        ds.Scheduler(str(tmp_path / "jobs\x00.db"))
    assert list(tmp_path.iterdir()) == []


TOO_LONG = "x" * 300  # over the 255 bytes a name may have on every common file system


@pytest.mark.parametrize("where", ["name", "folder"])
def test_a_cursor_name_too_long_is_invalid_input(tmp_path: Path, where: str) -> None:
    path = tmp_path / TOO_LONG if where == "name" else tmp_path / TOO_LONG / "monitor.json"
    with pytest.raises(InvalidInput, match="cursor"):
        CursorFile.load(path)


@pytest.mark.parametrize("where", ["name", "folder"])
def test_a_state_store_name_too_long_is_a_configuration_error(tmp_path: Path, where: str) -> None:
    path = tmp_path / TOO_LONG if where == "name" else tmp_path / TOO_LONG / "state.db"
    with pytest.raises(ConfigurationError, match="state file"):
        StateStore.open(path)


def test_a_state_store_in_a_loop_of_links_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(ConfigurationError, match="state file"):
        StateStore.open(tmp_path / "a" / "state.db")
