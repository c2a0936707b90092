"""``ds.auth.start`` with an option missing or misspelt is ``InvalidInput`` naming it, before anything is
asked of a server: Threads without ``client_id`` raised a bare ``TypeError``, as did a misspelt option."""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds


@pytest.mark.parametrize(
    ("network", "options", "named"),
    [
        ("threads", {}, "client_id"),
        ("threads", {"client_id": "1", "client_secret": "s", "redirect_url": "x"}, "redirect_"),
        ("mastodon", {"base_url": "http://127.0.0.1:9", "scope": "read"}, "scope"),
    ],
    ids=["threads without client_id", "threads misspelt", "mastodon misspelt"],
)
def test_a_missing_or_unknown_option_is_invalid_input(
    network: str, options: dict[str, Any], named: str
) -> None:
    with pytest.raises(ds.InvalidInput, match=named) as caught:
        ds.auth.start(network, **options)
    assert caught.value.network == network
