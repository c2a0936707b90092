"""A secret holding half a surrogate pair (read from an environment variable that is not UTF-8) still
has a fingerprint, no UnicodeEncodeError. A connection's settings refuse such a secret before that
(``ConfigurationError`` naming the field, see test_settings_lone_surrogate.py)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

import decentsocial as ds
from decentsocial.settings import secret_fingerprint


@pytest.mark.parametrize("secret", ["tok\udcff", "\ud800", "a:::b:::c:::d\udce9"])
def test_a_secret_with_a_lone_surrogate_has_a_fingerprint(secret: str) -> None:
    found = secret_fingerprint(SecretStr(secret))
    assert len(found) == 16
    assert found != secret_fingerprint(SecretStr(secret.replace(secret[-1], "x")))
    assert secret not in found


def test_fingerprints_of_plain_secrets_are_unchanged() -> None:
    """Idempotency records saved before keep matching: UTF-8 text hashes as it did."""
    assert secret_fingerprint(SecretStr("token")) == "3c469e9d6c5875d3"
    assert secret_fingerprint(None) == "anonymous"


def test_a_bluesky_session_read_from_a_non_utf8_variable_is_refused_by_the_settings() -> None:
    pytest.importorskip("atproto", reason="the bluesky extra")
    with pytest.raises(ds.ConfigurationError, match=r"session_string: .*not valid Unicode") as info:
        ds.connect("bluesky", base_url="http://127.0.0.1:9", session_string="a:::b:::c:::d\udcff")
    assert "a:::b" not in str(info.value)
