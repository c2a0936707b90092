"""The public surface: one spelling per name, documented members, typed connect(), extras named early."""

from __future__ import annotations

import importlib
import inspect
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import registry
from decentsocial.base import BaseNetwork
from decentsocial.network import Network

ROOT = Path(__file__).resolve().parents[2]

PUBLIC_NAMES = {
    "Account",
    "Amount",
    "AuthenticationError",
    "BaseNetwork",
    "Beneficiary",
    "Capability",
    "Community",
    "ConfigurationError",
    "ContentRejected",
    "Crisis",
    "CrosspostResult",
    "DecentSocialError",
    "Draft",
    "Engagement",
    "InvalidInput",
    "Job",
    "LinkCard",
    "Media",
    "Message",
    "Network",
    "NetworkSettings",
    "NetworkUnavailable",
    "NotFound",
    "Notification",
    "Outcome",
    "Page",
    "PayoutOptions",
    "PermissionDenied",
    "Poll",
    "Post",
    "RateLimited",
    "Retraction",
    "RetryPolicy",
    "RetrySettings",
    "Reward",
    "RewardPart",
    "Scheduler",
    "TextLimit",
    "UnsupportedFeature",
    "__version__",
    "auth",
    "connect",
    "connect_any",
    "crisis",
    "crosspost",
    "history",
    "known_networks",
    "monitor",
    "paginate",
    "plot",
    "report",
    "retract",
    "to_dataframe",
    "track",
}


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, check=False
    )


def test_all_is_pinned() -> None:
    assert set(ds.__all__) == PUBLIC_NAMES
    assert len(ds.__all__) == len(set(ds.__all__))
    for name in ds.__all__:
        assert getattr(ds, name) is not None, name


def test_every_protocol_member_is_documented() -> None:
    members = [n for n in vars(Network) if not n.startswith("_")]
    assert {"publish", "reply", "search", "like", "rewards", "tip", "prepare", "stream"} <= set(members)
    for name in members:
        doc = inspect.getdoc(getattr(Network, name))
        assert doc, f"Network.{name} has no docstring"
        # help(net.reply) on any backend shows the same explanation.
        assert inspect.getdoc(getattr(BaseNetwork, name)), f"BaseNetwork.{name} has no docstring"


def test_every_public_class_and_function_in_the_core_is_documented() -> None:
    missing = []
    for name in ds.__all__:
        value = getattr(ds, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            if not inspect.getdoc(value):
                missing.append(name)
            if inspect.isclass(value):
                for member, attr in vars(value).items():
                    if not member.startswith("_") and inspect.isfunction(attr) and not inspect.getdoc(attr):
                        missing.append(f"{name}.{member}")
    assert not missing, f"no docstring: {missing}"


def test_misspelt_setting_suggests_the_right_one() -> None:
    with pytest.raises(ds.ConfigurationError, match=r"did you mean 'base_url'\?") as caught:
        ds.connect_any("threads", base_ur="http://127.0.0.1:9", access_token="t", user_id="1")
    assert caught.value.network == "threads"
    with pytest.raises(ds.ConfigurationError, match=r"did you mean 'account'\?"):
        ds.connect_any("sandbox", acount="bob")


def test_unknown_network_suggests_the_right_one() -> None:
    with pytest.raises(ds.ConfigurationError, match=r"did you mean 'mastodon'\?"):
        ds.connect_any("mastadon")


def test_missing_extra_fails_at_connect_naming_it() -> None:
    """A real interpreter in which atproto cannot be imported: connect() says what to install."""
    done = run_python(
        """
        import sys

        class Hide:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"atproto", "beem"}:
                    raise ModuleNotFoundError(name, name=name)
                return None

        sys.meta_path.insert(0, Hide())
        import decentsocial as ds
        for name in ("bluesky", "steem"):
            try:
                ds.connect(name)
            except ds.ConfigurationError as exc:
                print(exc)
        print("atproto" in sys.modules, "beem" in sys.modules)
        """
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "[bluesky] the bluesky backend needs its extra: pip install 'decentsocial[bluesky]'"
    assert lines[1] == "[steem] the steem backend needs its extra: pip install 'decentsocial[hive]'"
    assert lines[2] == "False False"


def test_installed_extras_have_no_hint() -> None:
    assert registry.install_hint("sandbox") is None
    assert registry.install_hint("nostr") is None  # installed in every test environment


def test_command_without_cli_extra_says_what_to_install() -> None:
    done = run_python(
        """
        import sys

        class Hide:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"typer", "rich"}:
                    raise ModuleNotFoundError(name, name=name)
                return None

        sys.meta_path.insert(0, Hide())
        sys.argv = ["decentsocial", "--help"]
        from decentsocial.console import main
        main()
        """
    )
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == "the decentsocial command needs the 'cli' extra: pip install 'decentsocial[cli]'"
    )


def needs_every_extra() -> None:
    missing = [n for n in registry.BUILTIN if registry.install_hint(n)]
    if missing:
        pytest.skip(f"needs every backend's extra; missing here: {', '.join(missing)}")


def needs_extra(name: str) -> None:
    hint = registry.install_hint(name)
    if hint:
        pytest.skip(f"the {name} backend's extra is not installed here ({hint})")


def test_options_file_is_up_to_date() -> None:
    needs_every_extra()
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        gen_options = importlib.import_module("gen_options")  # scripts/ is not a package mypy knows
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    current = (ROOT / "decentsocial" / "options.py").read_text(encoding="utf-8")
    assert gen_options.generate() == current, "run: python scripts/gen_options.py"


def test_options_cover_every_setting() -> None:
    needs_every_extra()
    from decentsocial import options

    for name in registry.BUILTIN:
        typed = getattr(options, name.capitalize() + "Options")
        assert set(typed.__annotations__) == set(registry.backend_class(name).Settings.model_fields), name


def test_mypy_accepts_typed_settings_and_rejects_misspelt_ones(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api", reason="mypy is a development dependency")
    good = tmp_path / "good.py"
    good.write_text(
        textwrap.dedent(
            """
            import decentsocial as ds

            sandbox = ds.connect("sandbox", path="demo.db", account="brand")
            sandbox.advance_time(3600)
            bob = sandbox.as_account("bob")
            masto = ds.connect("mastodon", base_url="https://mastodon.example", access_token="t")
            print(bob.me().handle, masto.settings.base_url)
            """
        )
    )
    bad = tmp_path / "bad.py"
    bad.write_text(
        'import decentsocial as ds\n\nds.connect("mastodon", base_ur="https://mastodon.example")\n'
    )
    config = ["--strict", "--no-incremental", "--config-file", str(ROOT / "pyproject.toml")]
    out, err, status = api.run([*config, str(good), str(bad)])  # one run: mypy's start is most of it
    assert status == 1, out + err
    assert "bad.py:3" in out, out
    assert "good.py" not in out, out


#: Settings that let each built-in backend be built without I/O (nothing is contacted).
MINIMAL: dict[str, dict[str, Any]] = {
    "sandbox": {},
    "mastodon": {"base_url": "https://mastodon.example", "access_token": "t"},
    "bluesky": {"base_url": "https://pds.example", "handle": "brand.example", "password": "p"},
    "hive": {"account": "brand", "nodes": ["https://api.hive.example"]},
    "steem": {"account": "brand", "nodes": ["https://api.steem.example"]},
    "nostr": {"relays": ["wss://relay.example"]},
    "threads": {"access_token": "t", "user_id": "1"},
    "minds": {"username": "brand", "password": "p"},
}


@pytest.mark.filterwarnings("ignore::UserWarning")  # Minds says it is experimental
@pytest.mark.parametrize("name", list(registry.BUILTIN))
def test_retry_setting_reaches_every_backend_from_connect(name: str) -> None:
    needs_extra(name)
    net = ds.connect_any(name, **MINIMAL[name], retry={"attempts": 2, "total_seconds": 5})
    try:
        assert net.retry.attempts == 2
        assert net.retry.total_seconds == 5
        assert net.settings.retry == ds.RetrySettings(attempts=2, total_seconds=5)
    finally:
        net.close()


@pytest.mark.parametrize("name", list(registry.BUILTIN))
def test_backends_fill_in_hooks_and_never_override_the_template(name: str) -> None:
    """The public members are written once in BaseNetwork; a backend implements hooks only."""
    needs_extra(name)
    cls = registry.backend_class(name)
    allowed = {
        "prepare",
        "text_limit",
        "check_draft",
        "close",
        "identity",
        "name",
        "capabilities",
        "page_size",
    }
    public = {n for n in vars(Network) if not n.startswith("_")}
    for klass in cls.__mro__:
        if klass in (BaseNetwork, object) or not klass.__module__.startswith("decentsocial.backends"):
            continue
        overridden = (public - allowed) & set(vars(klass))
        assert not overridden, f"{klass.__name__} overrides {sorted(overridden)}; implement the hooks instead"


def test_no_module_is_over_800_lines() -> None:
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / "decentsocial").rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 800
    }
    assert not too_long


@pytest.mark.parametrize("name", list(registry.BUILTIN))
def test_every_backend_has_the_canonical_package(name: str) -> None:
    package = ROOT / "decentsocial" / "backends" / registry.BUILTIN[name].split(":")[0].rsplit(".", 1)[1]
    present = {p.name for p in package.glob("*.py")}
    assert {
        "__init__.py",
        "settings.py",
        "network.py",
        "transport.py",
        "failures.py",
        "convert.py",
    } <= present
    # settings.py is the lowest file of the package: it imports nothing else from it.
    settings = (package / "settings.py").read_text(encoding="utf-8")
    assert "from . import" not in settings
    assert not re.search(r"^from \.\w", settings, re.M), f"{name}: settings.py imports from its package"
    # convert.py holds pure functions: it never imports network.py or transport.py.
    convert = (package / "convert.py").read_text(encoding="utf-8")
    assert not re.search(r"^from \.(network|transport) import", convert, re.M)
