"""The firehose address: always the configured server, never a public relay, plain ws only on loopback."""

from __future__ import annotations

import pytest

import decentsocial as ds
from decentsocial.backends.bluesky.firehose import firehose_url


def test_the_firehose_url_is_the_configured_server() -> None:
    assert (
        firehose_url("https://pds.example", network="bluesky", allow_http=False) == "wss://pds.example/xrpc"
    )
    assert (
        firehose_url("http://127.0.0.1:2583", network="bluesky", allow_http=False)
        == "ws://127.0.0.1:2583/xrpc"
    )
    assert (
        firehose_url("wss://relay.example", network="bluesky", allow_http=False) == "wss://relay.example/xrpc"
    )
    with pytest.raises(ds.ConfigurationError):
        firehose_url("http://pds.example", network="bluesky", allow_http=False)  # plain ws off loopback
    with pytest.raises(ds.ConfigurationError):
        firehose_url("", network="bluesky", allow_http=False)  # never empty: the public default


def test_a_bad_firehose_setting_fails_at_connect() -> None:
    with pytest.raises(ds.ConfigurationError):
        ds.connect("bluesky", handle="a.test", password="p", firehose_url="ftp://relay.example")
