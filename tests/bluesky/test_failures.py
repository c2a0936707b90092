"""atproto failures -> decentsocial errors, offline: one mapping for every XRPC call."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from atproto_client import exceptions as ax
from atproto_client.models.common import XrpcError
from atproto_client.request import Response

import decentsocial as ds
from decentsocial.backends.bluesky.failures import is_session_gone, map_error, mapped


def _failure(status: int, error: str | None = None, message: str | None = None, **headers: str) -> Exception:
    content: Any = XrpcError(error=error, message=message) if error else None
    failure: Exception = ax.BadRequestError(
        Response(success=False, status_code=status, content=content, headers=headers)
    )
    return failure


def _map(exc: Exception, *, safe: bool = True, write: bool = False) -> ds.DecentSocialError:
    return map_error(exc, network="bluesky", action="act", safe=safe, write=write)


def test_status_decides_through_the_shared_table() -> None:
    assert isinstance(_map(_failure(403)), ds.PermissionDenied)
    assert isinstance(_map(_failure(404)), ds.NotFound)
    server_error = _map(_failure(502))
    assert isinstance(server_error, ds.NetworkUnavailable)
    assert server_error.retryable
    assert not _map(_failure(500), safe=False).retryable
    limited = _map(_failure(429, "RateLimitExceeded", **{"ratelimit-reset": "120"}))
    assert isinstance(limited, ds.RateLimited)
    assert limited.retry_after is not None
    assert limited.retry_after > 0


def test_xrpc_error_names_come_on_top_of_the_status() -> None:
    assert isinstance(_map(_failure(400, "ExpiredToken", "Token has expired")), ds.AuthenticationError)
    assert isinstance(_map(_failure(400, "RecordNotFound", "no record")), ds.NotFound)
    assert isinstance(_map(_failure(400, "InvalidRequest", "Could not find repo")), ds.NotFound)
    assert isinstance(_map(_failure(400, "BlobTooLarge")), ds.ContentRejected)
    conflict = _map(_failure(409, "InvalidSwap"))
    assert isinstance(conflict, ds.NetworkUnavailable)
    assert conflict.retryable


def test_a_refused_read_is_invalid_input_and_a_refused_write_content_rejected() -> None:
    read = _map(_failure(400, "InvalidRequest", "bad cursor"))
    assert type(read) is ds.InvalidInput
    assert read.server_message == "InvalidRequest: bad cursor"
    assert type(_map(_failure(400, "InvalidRequest", "bad record"), write=True)) is ds.ContentRejected


def test_no_answer_is_network_unavailable_retryable_only_when_safe() -> None:
    # A request that ran past the limits deadline is not retried: the server would keep it again.
    timed_out = _map(ax.InvokeTimeoutError())
    assert isinstance(timed_out, ds.NetworkUnavailable)
    assert not timed_out.retryable
    assert _map(ax.NetworkError()).retryable
    assert not _map(ax.NetworkError(), safe=False).retryable
    with pytest.raises(ds.NetworkUnavailable) as exc, mapped("bluesky", "post", safe=False, write=True):
        raise httpx.RemoteProtocolError("dropped")
    assert not exc.value.retryable
    assert isinstance(exc.value.__cause__, httpx.RemoteProtocolError)


def test_session_gone_is_told_apart_from_bad_credentials() -> None:
    with pytest.raises(ds.AuthenticationError) as gone, mapped("bluesky", "read", safe=True, write=False):
        raise _failure(400, "ExpiredToken", "Token has expired")
    assert is_session_gone(gone.value)
    with pytest.raises(ds.AuthenticationError) as wrong, mapped("bluesky", "log in", safe=False, write=False):
        raise _failure(401, "AuthenticationRequired", "Invalid identifier or password")
    assert not is_session_gone(wrong.value)
    with pytest.raises(ds.AuthenticationError) as out, mapped("bluesky", "read", safe=True, write=False):
        raise ax.LoginRequiredError()
    assert is_session_gone(out.value)
