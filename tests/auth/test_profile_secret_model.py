"""A settings object that holds a secret is refused by the profile file, never written as its stars."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, SecretStr

import decentsocial as ds
from decentsocial.config import save_profile
from decentsocial.limits import Limits
from tests.auth.conftest import Store


class Proxy(BaseModel):
    url: str
    password: SecretStr


class Nested(BaseModel):
    proxies: list[Proxy]


def test_a_model_holding_a_secret_is_refused_and_the_file_is_not_written(store: Store) -> None:
    for value in (
        Proxy(url="https://proxy.example", password=SecretStr("hunter2")),
        Nested(proxies=[Proxy(url="https://proxy.example", password=SecretStr("hunter2"))]),
    ):
        with pytest.raises(ds.InvalidInput, match="holding a secret cannot be written") as caught:
            save_profile("brand", {"network": "sandbox", "proxy": value})
        assert "hunter2" not in str(caught.value)
        assert store.config_text() == ""  # nothing written, not even "**********"
    with pytest.raises(ds.InvalidInput, match="cannot be written"):
        save_profile("brand", {"network": "sandbox", "password": SecretStr("hunter2")})


def test_a_model_without_a_secret_is_still_written_as_its_values(store: Store) -> None:
    save_profile("brand", {"network": "sandbox", "limits": Limits(max_pages=7)})
    assert "limits = { max_pages = 7 }" in store.config_text()
