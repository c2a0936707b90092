"""Mastodon's streaming API over Server-Sent Events, as a plain iterator of events.

``GET /api/v1/streaming/{user|public|hashtag?tag=…}`` answers
``event: update`` / ``data: <Status JSON>`` blocks, ``delete`` and
``notification`` events, and ``:`` comment lines as heartbeats. One
connection is read here; reconnecting (with backoff) is the backend's job.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests

__all__ = ["HEARTBEAT", "StreamEvent", "read_events"]

#: The name of the event ``read_events`` yields for a ``:`` comment line (the server's heartbeat).
HEARTBEAT = ":heartbeat"


@dataclass(frozen=True)
class StreamEvent:
    """One SSE event: its name and decoded JSON payload (``None`` if not JSON)."""

    name: str
    payload: Any


def read_events(response: requests.Response) -> Iterator[StreamEvent]:
    """The events of one open SSE response (heartbeats included), until the server closes it."""
    name = "message"
    data: list[str] = []
    for line in _lines(response):
        if line == "":
            if data:
                text = "\n".join(data)
                try:
                    payload: Any = json.loads(text)
                except ValueError:
                    payload = text
                yield StreamEvent(name, payload)
            name, data = "message", []
            continue
        if line.startswith(":"):
            # A heartbeat: reported, so a reader knows the connection works even when no post comes.
            yield StreamEvent(HEARTBEAT, None)
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)


def _lines(response: requests.Response) -> Iterator[str]:
    """Lines as soon as they arrive (``iter_lines`` waits to fill its chunk)."""
    buffer = b""
    for chunk in response.iter_content(chunk_size=None):
        buffer += chunk
        while True:
            cut = buffer.find(b"\n")
            if cut < 0:
                break
            line, buffer = buffer[:cut], buffer[cut + 1 :]
            yield line.rstrip(b"\r").decode("utf-8", errors="replace")
