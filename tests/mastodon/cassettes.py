"""Reading the recorded Mastodon 4.x cassettes (tests/fixtures/mastodon)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeGuard

import yaml  # type: ignore[import-untyped, unused-ignore]

CASSETTES = Path(__file__).resolve().parent.parent / "fixtures" / "mastodon" / "cassettes"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Exchange:
    """One recorded request and the real server's answer."""

    cassette: str
    method: str
    uri: str
    status: int
    headers: dict[str, str]
    body: Any  # decoded JSON, or None


@cache
def exchanges(name: str) -> tuple[Exchange, ...]:
    data = yaml.load((CASSETTES / name).read_text(encoding="utf-8"), Loader=_Loader)
    found = []
    for item in data.get("interactions") or ():
        request, response = item["request"], item["response"]
        text = (response.get("body") or {}).get("string") or ""
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = None
        headers = {k.lower(): (v[0] if isinstance(v, list) else v) for k, v in response["headers"].items()}
        found.append(
            Exchange(name, request["method"], request["uri"], response["status"]["code"], headers, body)
        )
    return tuple(found)


def all_exchanges() -> Iterator[Exchange]:
    for path in sorted(CASSETTES.glob("*.yaml")):
        yield from exchanges(path.name)


def is_status(value: Any) -> TypeGuard[dict[str, Any]]:
    return (
        isinstance(value, dict) and {"id", "content", "account", "created_at", "visibility"} <= value.keys()
    )


def recorded_statuses() -> list[dict[str, Any]]:
    """Every status object in every cassette (top level, in lists, inside notifications and contexts)."""
    found: list[dict[str, Any]] = []
    for exchange in all_exchanges():
        body = exchange.body
        items = body if isinstance(body, list) else [body]
        for item in items:
            if is_status(item):
                found.append(item)
            elif isinstance(item, dict):
                for key in ("status", "ancestors", "descendants", "statuses"):
                    value = item.get(key)
                    for inner in value if isinstance(value, list) else [value]:
                        if is_status(inner):
                            found.append(inner)
    return found
