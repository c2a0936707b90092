"""Third-party backends registered by entry point: whatever a plugin does wrong at load time is a typed
``ConfigurationError`` naming the network, never a crash of the caller, the CLI or a Scheduler worker."""

from __future__ import annotations

import json
import textwrap
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app

SECRET = "sk-SECRET-at-import-123"

GOOD = """
from decentsocial import BaseNetwork, Capability, NetworkSettings

class Net(BaseNetwork):
    name = {name!r}
    Settings = NetworkSettings
    capabilities = frozenset({{Capability.PUBLISH}})
"""


class Plugins:
    """Writes plugin modules and one ``.dist-info`` with their entry points onto ``sys.path``."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.points: dict[str, str] = {}
        self.tag = uuid.uuid4().hex[:8]  # fresh module names: nothing cached from another test
        monkeypatch.syspath_prepend(str(folder))

    def add(self, name: str, source: str, attr: str = "Net") -> None:
        module = f"kit_{name}_{self.tag}"
        (self.folder / f"{module}.py").write_text(textwrap.dedent(source))
        self.points[name] = f"{module}:{attr}"
        info = self.folder / f"kit_plugins_{self.tag}-0.1.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: kit-plugins-{self.tag}\nVersion: 0.1\n")
        lines = "".join(f"{n} = {target}\n" for n, target in self.points.items())
        (info / "entry_points.txt").write_text(f"[decentsocial.networks]\n{lines}")


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Plugins:
    (tmp_path / "site").mkdir()
    return Plugins(tmp_path / "site", monkeypatch)


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        (f"raise RuntimeError('boom: token={SECRET}')", "RuntimeError"),
        ("def broken(:\n    pass\n", "SyntaxError"),
        ("import kit_no_such_module_at_all\n", "No module named 'kit_no_such_module_at_all'"),
        (f"raise SystemError('{SECRET}')", "SystemError"),
    ],
)
def test_a_plugin_failing_at_import_is_a_configuration_error(
    plugins: Plugins, source: str, shown: str
) -> None:
    plugins.add("broken", source)
    with pytest.raises(ds.ConfigurationError) as caught:
        ds.connect_any("broken")
    assert caught.value.network == "broken"
    assert "broken backend cannot be loaded" in caught.value.message
    assert shown in caught.value.message
    assert SECRET not in str(caught.value) + repr(caught.value)


def test_a_plugin_failing_when_built_is_a_configuration_error(plugins: Plugins) -> None:
    source = (
        GOOD.format(name="fragile")
        + f"""
    def __init__(self, *args, **kwargs):
        raise RuntimeError("cannot read {SECRET}")
"""
    )
    plugins.add("fragile", source)
    with pytest.raises(
        ds.ConfigurationError, match="fragile backend could not be built: RuntimeError"
    ) as caught:
        ds.connect_any("fragile")
    assert SECRET not in str(caught.value)


def test_a_dotted_object_reference_loads(plugins: Plugins) -> None:
    source = (
        GOOD.format(name="dotted")
        .replace("class Net", "class Holder:\n  class Net")
        .replace("\n    ", "\n      ")
    )
    plugins.add("dotted", source, "Holder.Net")
    assert ds.connect_any("dotted").name == "dotted"


def test_capabilities_given_per_connection_by_a_property_load(plugins: Plugins) -> None:
    source = GOOD.format(name="perconn").replace(
        "capabilities = frozenset({Capability.PUBLISH})",
        "@property\n    def capabilities(self):\n        return frozenset({Capability.PUBLISH})",
    )
    plugins.add("perconn", source)
    net = ds.connect_any("perconn")
    assert net.capabilities == frozenset({ds.Capability.PUBLISH})


@pytest.mark.parametrize(
    ("name", "source", "refusal"),
    [
        ("noname", GOOD.replace("name = {name!r}", "pass"), "calls itself 'base'"),
        ("posing", GOOD.format(name="sandbox"), "calls itself 'sandbox' but is registered as 'posing'"),
        (
            "plain",
            GOOD.format(name="plain").replace("Settings = NetworkSettings", "Settings = dict"),
            "Settings",
        ),
        (
            "strcaps",
            GOOD.format(name="strcaps").replace("{Capability.PUBLISH}", "{'publish', 'read'}"),
            "capabilities",
        ),
    ],
)
def test_a_misdeclared_backend_is_refused(plugins: Plugins, name: str, source: str, refusal: str) -> None:
    plugins.add(name, source.replace("{{", "{").replace("}}", "}"))
    with pytest.raises(ds.ConfigurationError, match=refusal) as caught:
        ds.connect_any(name)
    assert caught.value.network == name


def test_networks_lists_every_backend_and_says_why_one_is_broken(plugins: Plugins) -> None:
    plugins.add("good", GOOD.format(name="good"))
    plugins.add("strcaps", GOOD.format(name="strcaps").replace("{Capability.PUBLISH}", "{'publish'}"))
    plugins.add("missing", "import kit_no_such_module_at_all\n")
    plugins.add("raising", f"raise RuntimeError('{SECRET}')")
    shown = CliRunner().invoke(app, ["networks", "--json"], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    rows = {row["name"]: row for row in json.loads(shown.output)}
    assert rows["sandbox"]["status"] == "ready"
    assert rows["good"]["status"] == "ready"
    assert rows["good"]["capabilities"] == ["publish"]
    assert rows["strcaps"]["status"] == "broken"
    assert "capabilities" in rows["strcaps"]["error"]
    assert "No module named 'kit_no_such_module_at_all'" in rows["missing"]["error"]
    assert "RuntimeError" in rows["raising"]["error"]
    assert SECRET not in shown.output
    table = CliRunner().invoke(app, ["networks"], env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    assert "good" in table.output


def test_a_job_for_a_broken_plugin_fails_alone(
    plugins: Plugins, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        textwrap.dedent(
            f"""
            [profiles.brand]
            network = "sandbox"
            path = "{tmp_path / "sandbox.db"}"
            account = "brand"
            [profiles.broken]
            network = "raising"
            """
        )
    )
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    sched = ds.Scheduler(str(tmp_path / "jobs.db"))
    now = datetime.now(timezone.utc)
    both = sched.schedule("to the broken one and the brand", ["broken", "brand"], at=now)
    alone = sched.schedule("to the brand only", ["brand"], at=now)
    plugins.add("raising", f"raise RuntimeError('{SECRET}')")  # installed, broken, after scheduling
    later = sched.schedule("planned with the plugin broken", ["broken"], at=now)  # the worker checks
    sched.run_pending()
    failed = sched.job(both.id)
    outcomes = {o.target: o for o in failed.outcomes}
    assert isinstance(outcomes["broken"].error, ds.ConfigurationError)
    assert SECRET not in str(outcomes["broken"].error)
    assert outcomes["brand"].post_ids
    assert sched.job(alone.id).outcomes[0].post_ids
    assert isinstance(sched.job(later.id).outcomes[0].error, ds.ConfigurationError)
    sched.close()
