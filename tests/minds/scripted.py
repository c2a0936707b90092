"""What the Minds tests against a scripted server share: the sign-in's answer and a network on it."""

from __future__ import annotations

import warnings
from typing import Any

import decentsocial as ds
from decentsocial.backends.minds import MindsExperimentalWarning, MindsNetwork, MindsSettings
from tests.servers._scripted_http import Reply

__all__ = ["TOKEN", "scripted_minds"]

#: ``/api/v3/oauth/token``: the password sign-in's tokens.
TOKEN = Reply(200, {"access_token": "tok", "refresh_token": "ref", "expires_in": 3600})


def scripted_minds(url: str, *, attempts: int = 1, **settings: Any) -> MindsNetwork:
    """Channel ``brand`` on the scripted server at ``url``, no waits between retries; the backend's
    experimental warning (said on every connect) left out."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MindsExperimentalWarning)
        return MindsNetwork(
            MindsSettings(base_url=url, username="brand", password="pw", **settings),
            retry=ds.RetryPolicy(attempts=attempts, sleep=lambda seconds: None),
        )
