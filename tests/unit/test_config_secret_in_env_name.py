"""A secret written where its variable's name goes (``password_env = "<the app password>"``, a common
slip) is never quoted by the error that says no such variable is set: errors reach logs. A name written
as variables are named is still shown, so the usual mistake (a variable not exported) is easy to find."""

from __future__ import annotations

from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial import config

SECRETS = {
    "a Bluesky app password": "abcd-efgh-ijkl-mnop",
    "a Mastodon token": "Zq3xT9vKpL2mN8rB4cY7wE1uH6jA0sD5fG3kQ9zXvWo",
    "a Nostr key": "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5",
    "a hex key": "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa",
}


@pytest.mark.parametrize("secret", SECRETS.values(), ids=list(SECRETS))
def test_a_secret_in_the_place_of_a_variable_name_is_not_shown(
    cfg: Path, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.delenv(secret, raising=False)
    cfg.write_text(f'[profiles.brand]\nnetwork = "sandbox"\npassword_env = "{secret}"\n')
    with pytest.raises(ds.ConfigurationError) as info:
        config.load_profile("brand")
    assert secret not in str(info.value)
    assert secret not in repr(info.value)
    assert "password_env" in str(info.value)
    assert "brand" in str(info.value)


def test_a_variable_name_that_is_not_set_is_still_named(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRAND_BSKY_APP_PASSWORD", raising=False)
    cfg.write_text('[profiles.brand]\nnetwork = "sandbox"\npassword_env = "BRAND_BSKY_APP_PASSWORD"\n')
    with pytest.raises(ds.ConfigurationError, match="BRAND_BSKY_APP_PASSWORD, which is not set"):
        config.load_profile("brand")


def test_an_env_override_naming_a_secret_is_not_shown_either(
    cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = SECRETS["a Bluesky app password"]
    monkeypatch.setenv("DECENTSOCIAL_BRAND_PASSWORD_ENV", secret)
    cfg.write_text('[profiles.brand]\nnetwork = "sandbox"\n')
    with pytest.raises(ds.ConfigurationError) as info:
        ds.connect(profile="brand")
    assert secret not in str(info.value)


def test_a_variable_name_with_spaces_around_it_is_read(cfg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As ``--setting password_env=VAR`` reads it: a name copied with a space, or set through an
    override that ends in a newline (a value mounted from a file), names the same variable."""
    monkeypatch.setenv("BRAND_PASSWORD", "from-the-variable")
    cfg.write_text('[profiles.brand]\nnetwork = "sandbox"\npassword_env = "BRAND_PASSWORD "\n')
    assert config.load_profile("brand")["password"] == "from-the-variable"
    cfg.write_text('[profiles.brand]\nnetwork = "sandbox"\n')
    monkeypatch.setenv("DECENTSOCIAL_BRAND_PASSWORD_ENV", "BRAND_PASSWORD\n")
    assert config.load_profile("brand")["password"] == "from-the-variable"


@pytest.mark.parametrize("secret", SECRETS.values(), ids=list(SECRETS))
def test_a_secret_in_the_place_of_a_variable_name_on_the_command_line_is_not_shown(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    from decentsocial.cli import UsageProblem, parse_settings

    monkeypatch.delenv(secret, raising=False)
    with pytest.raises(UsageProblem) as info:  # a wrong argument: exit status 2
        parse_settings([f"password_env={secret}"])
    assert secret not in str(info.value)
    assert "password_env" in str(info.value)
