"""Two installed packages registering one network name: refused naming both, never one picked by the
order the packages happen to be listed in."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest

import decentsocial as ds

SOURCE = """
from decentsocial import BaseNetwork, Capability, NetworkSettings

class Net(BaseNetwork):
    name = {name!r}
    Settings = NetworkSettings
    capabilities = frozenset({{Capability.PUBLISH}})
"""


def install(site: Path, package: str, points: dict[str, str]) -> None:
    """A package's ``.dist-info`` with ``points`` (network name -> its module, written here)."""
    info = site / f"{package.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 0.1\n")
    lines = "".join(f"{name} = {module}:Net\n" for name, module in points.items())
    (info / "entry_points.txt").write_text(f"[decentsocial.networks]\n{lines}")
    for name, module in points.items():
        if not (site / f"{module}.py").exists():
            (site / f"{module}.py").write_text(textwrap.dedent(SOURCE.format(name=name)))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_a_name_two_packages_register_is_refused_naming_both(site: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    net = f"twice{tag}"
    install(site, f"first-{tag}", {net: f"first_{tag}"})
    install(site, f"second-{tag}", {net: f"second_{tag}"})
    assert ds.known_networks().count(net) == 1
    with pytest.raises(ds.ConfigurationError) as caught:
        ds.connect_any(net)
    message = caught.value.message
    assert f"first-{tag} (first_{tag}:Net)" in message
    assert f"second-{tag} (second_{tag}:Net)" in message
    assert caught.value.network == net


def test_one_package_per_name_loads_and_two_naming_the_same_class_agree(site: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    alone, shared = f"alone{tag}", f"shared{tag}"
    install(site, f"solo-{tag}", {alone: f"solo_{tag}"})
    install(site, f"core-{tag}", {shared: f"core_{tag}"})
    install(site, f"bundle-{tag}", {shared: f"core_{tag}"})  # a bundle re-registering the same class
    assert type(ds.connect_any(alone)).__module__ == f"solo_{tag}"
    assert type(ds.connect_any(shared)).__module__ == f"core_{tag}"


def test_a_built_in_name_a_package_registers_stays_the_built_in(site: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    install(site, f"imposter-{tag}", {"sandbox": f"imposter_{tag}"})
    install(site, f"other-{tag}", {"sandbox": f"other_{tag}"})
    with ds.connect("sandbox") as net:
        assert type(net).__module__ == "decentsocial.backends.sandbox.network"
