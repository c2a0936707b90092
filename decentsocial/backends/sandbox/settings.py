"""Settings of the sandbox backend, validated by ``connect("sandbox", ...)``.

The sandbox has no secrets. Its *economy* (``asset``, ``like_reward``,
``payout_delay``, ``starting_balance``) belongs to the database: the
connection that creates a sandbox fixes it, and a later connection to the
same file that passes a different value explicitly is refused, so every
user of one file sees the same rules.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Context, Decimal
from pathlib import Path

from pydantic import Field, field_validator

from ...errors import InvalidInput
from ...models import utc
from ...network import Capability
from ...paths import home_path
from ...settings import NetworkSettings

__all__ = [
    "AMOUNT_PLACES",
    "ASSET",
    "MAX_KEY",
    "MAX_LIKE_REWARD",
    "MAX_STARTING_BALANCE",
    "NETWORK",
    "SandboxSettings",
    "exact_in_units",
    "normalise_community",
    "normalise_handle",
]

#: The network name every sandbox error and model carries.
NETWORK = "sandbox"

#: Amounts in the sandbox have exactly this many decimal places ("1.000 SAND").
AMOUNT_PLACES = 3

#: The longest ``idempotency_key`` (of a post or a tip) accepted.
MAX_KEY = 200

#: What an economy may be (the settings' bounds; a database's ``meta`` outside them is damaged).
ASSET = r"^[A-Z][A-Z0-9]{1,9}$"
MAX_LIKE_REWARD = Decimal("1000000")
MAX_STARTING_BALANCE = Decimal("1000000000")

_HANDLE = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]{0,62}[a-z0-9_])?$")


def normalise_handle(handle: str) -> str:
    """``"@Bob "`` -> ``"bob"``; raise ``InvalidInput`` for anything that is not a handle."""
    if not isinstance(handle, str):
        raise InvalidInput(f"a sandbox handle must be a string, got {type(handle).__name__}", network=NETWORK)
    clean = handle.strip().lstrip("@").lower()
    if not _HANDLE.match(clean):
        raise InvalidInput(
            f"invalid sandbox handle {handle!r}: use 1-64 of a-z, 0-9, '_', '.', '-'", network=NETWORK
        )
    return clean


def normalise_community(cid: str) -> str:
    """``" Birds"`` -> ``"birds"``, as ``create_community`` makes ids; ``InvalidInput`` for another form."""
    if not isinstance(cid, str):
        raise InvalidInput(
            f"a sandbox community id must be a string, got {type(cid).__name__}", network=NETWORK
        )
    clean = cid.strip().lower()
    if not _HANDLE.match(clean):
        raise InvalidInput(
            f"invalid sandbox community id {cid[:100]!r}: use 1-64 of a-z, 0-9, '_', '.', '-'",
            network=NETWORK,
        )
    return clean


def exact_in_units(value: Decimal) -> bool:
    """Whether ``value`` is a whole number of thousandths: ``1.0000`` is, ``0.0005`` is not (nor NaN)."""
    if not value.is_finite():
        return False
    per_asset: int = 10**AMOUNT_PLACES
    return per_asset % value.as_integer_ratio()[1] == 0


#: Enough digits for any amount the settings allow, with its places.
_EXACT = Context(prec=40)


def _places(value: Decimal, name: str) -> Decimal:
    if not exact_in_units(value):
        raise ValueError(f"{name} has more than {AMOUNT_PLACES} decimal places")
    # Its own context: the caller's (``getcontext().prec = 4``) failed every amount of over 4 digits.
    return value.quantize(Decimal(1).scaleb(-AMOUNT_PLACES), context=_EXACT)


class SandboxSettings(NetworkSettings):
    """``connect("sandbox", path=None, account="me", ...)``.

    ``path``: the SQLite file; ``None`` (or ``":memory:"``) keeps the sandbox in
    memory, private to this connection and the ones made with ``as_account``.
    ``account``: the handle this connection acts as; it is created on first use.
    ``max_length``: the text limit in graphemes.
    ``asset``, ``like_reward``, ``payout_delay``, ``starting_balance``: the reward model
    (see ``docs/networks/sandbox.md``).
    ``now``: freeze the sandbox clock at this instant (it then moves only with
    ``advance_time``); ``None`` leaves the clock as the database has it
    (real time plus any advance).
    ``timeout``: seconds to wait for another connection's write lock on a file.
    ``stream_interval``: seconds between polls in ``stream()``.
    ``unsupported``: capabilities this sandbox pretends not to have (their members raise
    ``UnsupportedFeature``), to rehearse code meant for a network that lacks them.
    """

    path: Path | None = None
    account: str = "me"
    display_name: str | None = Field(default=None, max_length=100)
    max_length: int = Field(default=500, ge=1, le=100_000)
    asset: str = Field(default="SAND", pattern=ASSET)
    like_reward: Decimal = Field(default=Decimal("1.000"), ge=0, le=MAX_LIKE_REWARD)
    payout_delay: timedelta = Field(default=timedelta(days=7))
    starting_balance: Decimal = Field(default=Decimal("100.000"), ge=0, le=MAX_STARTING_BALANCE)
    now: datetime | None = None
    timeout: float = Field(default=5.0, gt=0, le=600)
    stream_interval: float = Field(default=0.2, gt=0, le=60)
    unsupported: frozenset[Capability] = frozenset()

    @field_validator("path")
    @classmethod
    def _memory(cls, value: Path | None) -> Path | None:
        if value is None or str(value) in ("", ":memory:"):
            return None
        return home_path(value, "path", ValueError)

    @field_validator("account")
    @classmethod
    def _handle(cls, value: str) -> str:
        try:
            return normalise_handle(value)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None

    @field_validator("like_reward")
    @classmethod
    def _like_places(cls, value: Decimal) -> Decimal:
        return _places(value, "like_reward")

    @field_validator("starting_balance")
    @classmethod
    def _balance_places(cls, value: Decimal) -> Decimal:
        return _places(value, "starting_balance")

    @field_validator("payout_delay", mode="before")
    @classmethod
    def _seconds(cls, value: object) -> object:
        """Profiles and environment variables give seconds as text: ``"3600"``."""
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                return value  # an ISO 8601 duration such as "PT1H"
        return value

    @field_validator("payout_delay")
    @classmethod
    def _delay(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("payout_delay must not be negative")
        return value

    @field_validator("now")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else utc(value)
