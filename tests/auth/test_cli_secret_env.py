"""A secret read from an environment variable is taken as a typed one is: without the line break a
file-made variable carries (a Kubernetes secret from a file, ``export X="$(cat key)"`` keeps none, but
``--from-file`` and many ``.env`` loaders do)."""

from __future__ import annotations

from tests.auth.conftest import Store
from tests.auth.test_cli_signin import run
from tests.servers._process import ContractServer
from tests.servers.threads import threads_user


def test_an_app_secret_from_a_variable_ending_in_a_line_break_signs_in(
    threads_server: ContractServer, store: Store
) -> None:
    user = threads_user(threads_server, username="env_newline")
    done = run(
        store,
        "login",
        "threads",
        "-p",
        "brand-threads",
        "--app-id",
        user["app_id"],
        "--app-secret-env",
        "DS_THREADS_SECRET",
        "--redirect-uri",
        "http://127.0.0.1:0/cb",
        "--authorize-url",
        threads_server.url,
        "--base-url",
        threads_server.url,
        "--timeout",
        "30",
        choice="env_newline",
        extra_env={"DS_THREADS_SECRET": user["app_secret"] + "\n"},
    )
    assert done.returncode == 0, done.stderr
    assert "Signed in to threads as env_newline." in done.stdout
    assert "brand-threads/access_token" in store.secrets()
