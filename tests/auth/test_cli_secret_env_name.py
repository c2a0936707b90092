"""A sign-in's ``--…-env`` option given the secret itself, not a variable's name, never prints it.

``decentsocial login bluesky --password-env abcd-efgh-ijkl-mnop`` (the app password pasted where its
variable's name goes) said "environment variable abcd-efgh-ijkl-mnop is not set": the secret on the
terminal, in the shell's scrollback and in a CI log. A name as variables are written is still named;
anything else is said without quoting it, as a profile's ``*_env`` and ``--setting KEY_env`` say it.
"""

from __future__ import annotations

import pytest

from tests.auth.conftest import Store
from tests.auth.test_cli_signin import run

APP_PASSWORD = "kq7v-3fzp-x9wm-t2rd"  # how Bluesky shows an app password
WIF = "5JdeC9P7Pbd1uGdFVEsJ41EkEnADbbHGq6p1BwFxm6txNBsQnsw"  # the shape of a Hive private key
NSEC = "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5"
APP_SECRET = "9c2f64d1e0b84a7f93c1d5e6f7a8b9c0"  # a Meta app secret's shape

#: (the command's arguments, the option's value: the secret pasted in place of a variable's name).
CASES = {
    "bluesky app password": (
        ["login", "bluesky", "brand.bsky.social", "-p", "brand-bsky", "--password-env", APP_PASSWORD],
        APP_PASSWORD,
    ),
    "hive posting key": (
        [
            "login", "hive", "brand", "-p", "brand-hive", "--node", "https://127.0.0.1:1",
            "--posting-key-env", WIF,
        ],
        WIF,
    ),
    "steem active key": (
        [
            "login", "steem", "brand", "-p", "brand-steem", "--node", "https://127.0.0.1:1",
            "--posting-key-env", "DS_TEST_POSTING_KEY", "--active-key-env", WIF,
        ],
        WIF,
    ),
    "nostr key": (
        ["login", "nostr", "-p", "brand-nostr", "--relay", "wss://127.0.0.1:1", "--key-env", NSEC],
        NSEC,
    ),
    "threads app secret": (
        [
            "login", "threads", "-p", "brand-threads", "--app-id", "1234",
            "--redirect-uri", "http://127.0.0.1:0/cb", "--app-secret-env", APP_SECRET,
        ],
        APP_SECRET,
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_a_secret_given_as_the_variable_name_is_not_printed(case: str, store: Store) -> None:
    args, secret = CASES[case]
    done = run(store, *args, extra_env={"DS_TEST_POSTING_KEY": WIF})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "environment variable" in done.stderr, done.stderr
    assert "not set" in done.stderr, done.stderr
    assert secret not in done.stdout + done.stderr
    assert store.secrets() == {}  # nothing saved
    assert "brand" not in store.config_text()


def test_a_variable_named_as_variables_are_is_still_named(store: Store) -> None:
    done = run(
        store, "login", "bluesky", "brand.bsky.social", "-p", "brand-bsky", "--password-env", "BRAND_APP_PW"
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "environment variable BRAND_APP_PW is not set" in done.stderr, done.stderr


def test_an_empty_variable_is_said_without_its_name_when_that_may_be_the_secret(store: Store) -> None:
    """Set but empty: said so, and a "name" shaped like a secret is still not quoted."""
    done = run(
        store,
        *["login", "bluesky", "brand.bsky.social", "-p", "brand-bsky", "--password-env", APP_PASSWORD],
        extra_env={APP_PASSWORD: ""},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "empty" in done.stderr, done.stderr
    assert APP_PASSWORD not in done.stdout + done.stderr
