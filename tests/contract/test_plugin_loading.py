"""A third-party backend whose entry point names a class its module does not have (a typo) is told so,
not called "not a decentsocial network backend", which sends its author looking at the class."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

import decentsocial as ds

SOURCE = """
from decentsocial import BaseNetwork, Capability, NetworkSettings

class MyNetwork(BaseNetwork):
    name = {name!r}
    Settings = NetworkSettings
    capabilities = frozenset({{Capability.PUBLISH}})
"""


def install(folder: Path, monkeypatch: pytest.MonkeyPatch, name: str, attr: str) -> str:
    """A plugin module and its ``.dist-info`` entry point ``name = module:attr`` on ``sys.path``."""
    module = f"kitplugin_{uuid.uuid4().hex[:8]}"
    (folder / f"{module}.py").write_text(SOURCE.format(name=name))
    info = folder / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[decentsocial.networks]\n{name} = {module}:{attr}\n")
    monkeypatch.syspath_prepend(str(folder))
    return module


def test_a_misspelt_class_in_the_entry_point_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"typo{uuid.uuid4().hex[:6]}"
    module = install(tmp_path, monkeypatch, name, "MyNetwrok")
    with pytest.raises(ds.ConfigurationError) as caught:
        ds.connect_any(name)
    assert f"{module} has no 'MyNetwrok'" in str(caught.value)
    assert "not a decentsocial network backend" not in str(caught.value)
    assert caught.value.network == name


def test_a_missing_inner_name_of_a_dotted_reference_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"dotted{uuid.uuid4().hex[:6]}"
    module = install(tmp_path, monkeypatch, name, "MyNetwork.Inner")
    with pytest.raises(ds.ConfigurationError, match=rf"{module}\.MyNetwork has no 'Inner'"):
        ds.connect_any(name)


def test_the_right_name_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"fine{uuid.uuid4().hex[:6]}"
    install(tmp_path, monkeypatch, name, "MyNetwork")
    assert ds.connect_any(name).name == name
