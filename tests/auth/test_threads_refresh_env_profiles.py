"""``refresh`` of a profile whose token is not the keyring entry sign-in saved: where it is, what to do.

A profile made of ``DECENTSOCIAL_<NAME>_*`` variables only was read from the file alone: a Threads one
was said to be "not a Threads profile". Its token lives in a variable, which no command can rewrite
for the processes that read it: that is said now, naming the variable (never the token), with the
two ways out (sign in so the keyring keeps it, or renew it in a program). A variable's token set
beside a signed-in profile's keyring entry (it wins over the entry) was renewed and written into
that entry: another account's token, maybe. It is refused the same way, the keyring left as it was.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import decentsocial as ds
from decentsocial.cli import app
from tests.auth.conftest import Store
from tests.auth.threads_profile import sign_in
from tests.servers._process import ContractServer

TOKEN = "THL-secret-token-of-the-variable"


def refused(profile: str, *said: str) -> str:
    """The library's refusal and the command's (status 1, one line), which say the same."""
    with pytest.raises(ds.ConfigurationError) as error:
        ds.auth.refresh(profile, force=True)
    message = str(error.value)
    result = CliRunner().invoke(app, ["refresh", profile, "--force"], env={"COLUMNS": "300"})
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    for words in said:
        assert words in message
        assert words in result.stderr
    assert TOKEN not in message + result.stderr
    return message


def test_a_threads_profile_of_variables_only_names_the_variable(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECENTSOCIAL_ENV_THREADS_NETWORK", "threads")
    monkeypatch.setenv("DECENTSOCIAL_ENV_THREADS_USER_ID", "1")
    monkeypatch.setenv("DECENTSOCIAL_ENV_THREADS_ACCESS_TOKEN", TOKEN)
    message = refused(
        "env-threads",
        "environment variable DECENTSOCIAL_ENV_THREADS_ACCESS_TOKEN",
        "cannot rewrite",
        "decentsocial login threads --profile env-threads",
        "ThreadsNetwork.refresh_token()",
    )
    assert "not a Threads profile" not in message
    assert store.config_text() == ""  # nothing written
    assert store.secrets() == {}


def test_a_threads_profile_of_variables_naming_another_variable_names_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECENTSOCIAL_ENV_THREADS_NETWORK", "threads")
    monkeypatch.setenv("DECENTSOCIAL_ENV_THREADS_USER_ID", "1")
    monkeypatch.setenv("DECENTSOCIAL_ENV_THREADS_ACCESS_TOKEN_ENV", "BRAND_THREADS_TOKEN")
    monkeypatch.setenv("BRAND_THREADS_TOKEN", TOKEN)
    refused("env-threads", "DECENTSOCIAL_ENV_THREADS_ACCESS_TOKEN_ENV", "cannot rewrite")


def test_a_file_profile_reading_its_token_from_a_variable_names_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.config.write_text(
        '[profiles.brand]\nnetwork = "threads"\nuser_id = "1"\naccess_token_env = "BRAND_THREADS_TOKEN"\n'
    )
    monkeypatch.setenv("BRAND_THREADS_TOKEN", TOKEN)
    refused("brand", "environment variable BRAND_THREADS_TOKEN", "cannot rewrite")


def test_a_profile_of_variables_for_another_network_says_which(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DECENTSOCIAL_ENV_SANDBOX_NETWORK", "sandbox")
    monkeypatch.setenv("DECENTSOCIAL_ENV_SANDBOX_ACCOUNT", "brand")
    refused("env-sandbox", "profile 'env-sandbox' is not a Threads profile (its network is 'sandbox')")


def test_a_variables_token_beside_a_signed_in_profile_is_not_renewed_into_its_keyring(
    threads_server: ContractServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for profile in ("main", "other"):
        sign_in(threads_server, f"env_{profile}", profile)
    before = store.secrets()
    config = store.config_text()
    # The other account's token, set for profile main: it wins over main's keyring entry.
    monkeypatch.setenv("DECENTSOCIAL_MAIN_ACCESS_TOKEN", before["other/access_token"])
    threads_server.control("clock", {"advance": 2 * 86400})  # a token refreshes once a day old
    try:
        with pytest.raises(ds.ConfigurationError, match="DECENTSOCIAL_MAIN_ACCESS_TOKEN") as error:
            ds.auth.refresh("main", force=True)
    finally:
        threads_server.control("clock", {"advance": -2 * 86400})
    assert before["other/access_token"] not in str(error.value)
    assert store.secrets() == before  # main's entry still holds main's token
    assert store.config_text() == config
    monkeypatch.delenv("DECENTSOCIAL_MAIN_ACCESS_TOKEN")
    with ds.connect(profile="main") as net:
        assert net.me().handle == "env_main"
