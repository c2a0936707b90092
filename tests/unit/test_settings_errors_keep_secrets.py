"""A settings model built directly (not through ``connect()``) never repeats a secret in its validation error.

``connect()`` names the fields and never the values, but a settings model is public: a program, a test
or a plugin builds ``MastodonSettings(...)`` or ``cls.Settings.model_validate(...)`` itself, and
pydantic's ``ValidationError`` prints each error's input. For a token a field validator refused, that
input is the token; for a missing field or a check across fields (plain http to another host), it is
every setting given, secrets and all. The error's text, its repr and the traceback a log prints of it
must hold none of them.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from decentsocial import NetworkSettings

SECRET = "Sekret-Token-9fQ2xLm7Vb"


def _settings(module: str, name: str) -> Callable[[], type[NetworkSettings]]:
    """A backend's settings model, imported when the case runs (a backend's extra may be missing)."""

    def load() -> type[NetworkSettings]:
        found: type[NetworkSettings] = getattr(
            pytest.importorskip(module, reason=f"{module} needs its backend's extra"), name
        )
        return found

    return load


class PluginSettings(NetworkSettings):
    """A third-party backend's settings, as docs/backends.md shows them."""

    base_url: str = "https://mynet.example"
    handle: str | None = None
    api_key: SecretStr | None = None


MASTODON = _settings("decentsocial.backends.mastodon.settings", "MastodonSettings")
BLUESKY = _settings("decentsocial.backends.bluesky.settings", "BlueskySettings")
THREADS = _settings("decentsocial.backends.threads.settings", "ThreadsSettings")
MINDS = _settings("decentsocial.backends.minds.settings", "MindsSettings")
HIVE = _settings("decentsocial.backends.hive.settings", "HiveSettings")

#: (settings model, what is given): each is refused, each holds SECRET in a secret setting.
CASES: dict[str, tuple[Callable[[], type[NetworkSettings]], dict[str, Any]]] = {
    # A field validator refuses the token itself: the error's input is the token.
    "mastodon token with a space": (
        MASTODON,
        {"base_url": "https://m.example", "access_token": f"{SECRET} x"},
    ),
    "threads token with a line break": (THREADS, {"access_token": f"{SECRET}\n x", "user_id": "1"}),
    # A check across fields: the error's input is every setting given.
    "mastodon http to another host": (
        MASTODON,
        {"base_url": "http://mastodon.example", "access_token": SECRET},
    ),
    "bluesky password without a handle": (BLUESKY, {"password": SECRET}),
    # A setting missing: the error's input is every setting given.
    "threads without a user id": (THREADS, {"access_token": SECRET}),
    "minds without a username": (MINDS, {"password": SECRET}),
    "hive without nodes": (HIVE, {"posting_key": SECRET, "active_key": SECRET}),
    "a plugin's settings with a wrong type": (lambda: PluginSettings, {"api_key": SECRET, "handle": 7}),
    # A secret under a mistyped name: refused as an unknown setting, its value the input.
    "mastodon token under a mistyped name": (
        MASTODON,
        {"base_url": "https://m.example", "acces_token": SECRET},
    ),
}


def _refused(case: str) -> ValidationError:
    model, given = CASES[case]
    with pytest.raises(ValidationError) as caught:
        model()(**given)
    return caught.value


@pytest.mark.parametrize("case", list(CASES))
def test_a_refused_setting_does_not_repeat_the_secret(case: str) -> None:
    error = _refused(case)
    shown = "\n".join([str(error), repr(error), *traceback.format_exception(error)])
    assert not _pieces(shown), shown


def _pieces(text: str) -> list[str]:
    """Each run of 8 of the secret's characters found in ``text``: pydantic cuts a long input short,
    keeping its start and its end."""
    return [SECRET[i : i + 8] for i in range(len(SECRET) - 7) if SECRET[i : i + 8] in text]


@pytest.mark.parametrize("case", list(CASES))
def test_the_error_still_names_the_setting(case: str) -> None:
    """What to fix stays said: the field (or the check across fields) and the problem."""
    error = _refused(case)
    assert error.errors(include_input=False), str(error)
    for problem in error.errors(include_input=False):
        assert problem["msg"] in str(error)
        assert ".".join(map(str, problem["loc"])) in str(error)


@pytest.mark.parametrize("case", list(CASES))
def test_the_error_pickles_without_the_secret(case: str) -> None:
    """A worker process hands a failure back pickled (process pools, Celery): the copy is as quiet."""
    import pickle

    copy = pickle.loads(pickle.dumps(_refused(case)))
    assert not _pieces(f"{copy}\n{copy!r}")
