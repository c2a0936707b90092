"""The config file as users write it by hand: every mistake is a ConfigurationError naming the file,
a profile exists by the rules connect() reads it with, and save_profile writes any text TOML can hold."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import config
from decentsocial.scheduler import Scheduler

BAD_FILES = {
    "a profile that is text": b'[profiles]\nbrand = "s3cret-in-the-wrong-place"\n',
    "a profile that is a number": b"profiles.brand = 3\n",
    "a profile that is an array of tables": b'[[profiles.brand]]\nnetwork = "sandbox"\n',
    "invalid UTF-8": b'[profiles.brand]\nnetwork = "sandbox"\naccount = "\xff\xfe"\n',
}


@pytest.mark.parametrize("content", BAD_FILES.values(), ids=list(BAD_FILES))
def test_a_bad_file_is_a_configuration_error_everywhere(cfg: Path, content: bytes) -> None:
    cfg.write_bytes(content)
    calls: dict[str, Callable[[], Any]] = {
        "connect": lambda: ds.connect(profile="brand"),
        "profile_exists": lambda: config.profile_exists("brand"),
        "profile_network": lambda: config.profile_network("brand"),
        "profile_names": config.profile_names,
        "profile_table": lambda: config.profile_table("brand"),
        "save_profile": lambda: config.save_profile("other", {"network": "sandbox"}),
        "remove_profile": lambda: config.remove_profile("brand"),
    }
    for label, call in calls.items():
        with pytest.raises(ds.ConfigurationError) as info:
            call()
        assert str(cfg) in str(info.value), label
        assert "s3cret" not in str(info.value), label
    assert cfg.read_bytes() == content  # nothing rewritten


def test_a_profile_that_is_not_a_table_says_how_to_write_one(cfg: Path) -> None:
    cfg.write_text('[profiles.good]\nnetwork = "sandbox"\n\n[profiles]\nbrand = "sandbox"\n')
    with pytest.raises(ds.ConfigurationError, match=r"profile 'brand' must be a table.*not text"):
        ds.connect(profile="good")


def test_a_config_path_that_is_a_folder(cfg: Path) -> None:
    cfg.mkdir()
    with pytest.raises(ds.ConfigurationError, match="cannot be read"):
        ds.connect(profile="brand")
    with pytest.raises(ds.ConfigurationError, match="cannot be read"):
        config.save_profile("brand", {"network": "sandbox"})
    assert cfg.is_dir()


def test_a_config_folder_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "not-a-folder").write_text("x")
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(tmp_path / "not-a-folder" / "config.toml"))
    with pytest.raises(ds.ConfigurationError, match="config file"):
        config.save_profile("brand", {"network": "sandbox"})


def test_a_network_that_is_not_text(cfg: Path) -> None:
    cfg.write_text('[profiles.brand]\nnetwork = 5\npath = "x.db"\n')
    with pytest.raises(ds.ConfigurationError, match="network"):
        ds.connect(profile="brand")
    with pytest.raises(ds.ConfigurationError, match="known networks"):
        ds.connect_any(5)  # type: ignore[arg-type]


def test_an_indirection_that_is_not_text(cfg: Path) -> None:
    cfg.write_text('[profiles.brand]\nnetwork = "sandbox"\naccount_env = ["A", "B"]\n')
    with pytest.raises(ds.ConfigurationError, match="account_env must be text"):
        ds.connect(profile="brand")


# ---------------------------------------------------------------- which profiles exist


def test_a_longer_profiles_variable_makes_no_shorter_profile(
    cfg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg.write_text(
        f'[profiles.brand-bluesky]\nnetwork = "sandbox"\npath = "{tmp_path / "a.db"}"\naccount = "brand"\n'
    )
    monkeypatch.setenv("DECENTSOCIAL_BRAND_BLUESKY_DISPLAY_NAME", "Brand")  # an override of brand-bluesky
    assert config.profile_exists("brand-bluesky")
    assert not config.profile_exists("brand")
    with pytest.raises(ds.ConfigurationError, match="no profile 'brand'"):
        ds.connect(profile="brand")


def test_the_sdks_own_variables_make_no_profile(
    cfg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg.write_text(f'[profiles.brand]\nnetwork = "sandbox"\npath = "{tmp_path / "a.db"}"\n')
    monkeypatch.setenv("DECENTSOCIAL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("DECENTSOCIAL_SCHEDULER_LEASE", "60")
    monkeypatch.setenv("DECENTSOCIAL_CELERY_BROKER", "redis://127.0.0.1:9/0")
    for name in ("state", "scheduler", "celery"):
        assert not config.profile_exists(name), name
        with pytest.raises(ds.ConfigurationError, match=f"no profile {name!r}"):
            config.load_profile(name)
    sched = Scheduler(tmp_path / "campaign.db")
    try:
        at = datetime.now(timezone.utc) + timedelta(hours=1)
        for name in ("state", "brand-typo"):
            with pytest.raises(ds.ConfigurationError, match=f"no profile {name!r}"):
                sched.schedule("hello", [name], at=at)
        assert sched.schedule("hello", ["brand"], at=at).status == "scheduled"
    finally:
        sched.close()


def test_a_profile_only_in_the_environment_still_exists(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DECENTSOCIAL_WORKER_NETWORK", "sandbox")
    monkeypatch.setenv("DECENTSOCIAL_WORKER_ACCOUNT", "brand")
    assert config.profile_exists("worker")
    assert config.profile_network("worker") == "sandbox"
    assert config.load_profile("worker") == {"network": "sandbox", "account": "brand"}


# ---------------------------------------------------------------- writing values


@pytest.mark.parametrize("text", ["del\x7fchar", "tab\tand\nnewline", "عربي 🎉 \u200f", 'quote " \\'])
def test_save_profile_round_trips_any_text(cfg: Path, text: str) -> None:
    config.save_profile("brand", {"network": "sandbox", "display_name": text})
    assert config.load_profile("brand")["display_name"] == text
    config.save_profile("brand", {"network": "sandbox", "display_name": "plain"}, login={"note": text})
    assert config.profile_login("brand") == {"note": text}


def test_save_profile_refuses_half_a_surrogate_pair_and_keeps_the_file(cfg: Path) -> None:
    config.save_profile("brand", {"network": "sandbox"})
    before = cfg.read_bytes()
    with pytest.raises(ds.InvalidInput, match="surrogate"):
        config.save_profile("brand", {"network": "sandbox", "display_name": "half \ud83d an emoji"})
    with pytest.raises(ds.InvalidInput, match="surrogate"):
        config.save_profile("brand", {"network": "sandbox", "\udc80key": "x"})
    assert cfg.read_bytes() == before


def test_saving_a_profile_keeps_profiles_with_quoted_names(cfg: Path) -> None:
    cfg.write_text(
        '[profiles.brand]\nnetwork = "sandbox"\n\n'
        '[profiles."café"]\nnetwork = "sandbox"\naccount = "c"\n\n'
        "[profiles.'literal']\nnetwork = \"sandbox\"\n",
        encoding="utf-8",
    )
    config.save_profile("brand", {"network": "sandbox", "account": "b"})
    assert config.profile_names() == ["brand", "café", "literal"]
    assert config.profile_table("café") == {"network": "sandbox", "account": "c"}
    assert config.update_profile("literal", {"account": "l"})
    assert config.profile_table("literal") == {"network": "sandbox", "account": "l"}
    assert config.remove_profile("café")
    assert config.profile_names() == ["brand", "literal"]
