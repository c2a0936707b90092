"""Serialize and sign a transaction locally with beem's protocol classes.

Only ``beembase``/``beemgraphenebase`` are used: no ``Hive()``/``Steem()``
instance is built, so beem never picks a public node, never retries on its
own and never writes its wallet database. The chain id is always passed
explicitly (Hive mainnet ``beeab0de…``, Steem ``000…0``), and TaPoS comes from
the configured node's head block.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ...errors import AuthenticationError
from .chain import Chain
from .ops import OpJson

__all__ = ["SignedTx", "check_active_key", "public_key_of", "sign_transaction", "tapos"]

#: A node's head block time outside these bounds is junk (the chains started in 2016).
EARLIEST = datetime(2016, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)
#: How far a node's head block may run ahead of this machine's clock (hived's own hour,
#: HIVE_MAX_TIME_UNTIL_EXPIRATION): a later one would sign a transaction a node could hold back
#: and put on chain days after the call reported it sent.
MAX_AHEAD = timedelta(hours=1)
#: A block id: 20 bytes in hex, the first 4 the block's number (big-endian), as hived sends it.
_BLOCK_ID = re.compile(r"[0-9a-fA-F]{40}")


@dataclass(frozen=True)
class SignedTx:
    """A signed transaction in the node's legacy JSON form, with its id and signing digest."""

    json: dict[str, Any]
    id: str
    digest: str
    head_time: datetime  # the node's head block time when it was signed


def tapos(
    head_block_number: int,
    head_block_id: str,
    head_time: str,
    expires_in: int,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """ref_block_num / ref_block_prefix / expiration from the node's dynamic global properties.

    The block id must be a whole one (40 hex digits) naming the head block
    number it came with, and the head time no more than ``MAX_AHEAD`` past
    ``now`` (this machine's clock): TaPoS and expiration are never made of junk.
    Raises ``ValueError``/``struct.error`` for values no node would send (the caller makes them typed).
    """
    if not _BLOCK_ID.fullmatch(head_block_id):
        raise ValueError(f"head block id {head_block_id[:80]!r} is not 20 bytes in hex")
    block_id = bytes.fromhex(head_block_id)
    if int.from_bytes(block_id[:4], "big") != head_block_number:
        raise ValueError(f"head block id {head_block_id!r} is not the id of block {head_block_number}")
    prefix = struct.unpack_from("<I", block_id, 4)[0]
    head = datetime.strptime(head_time, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    if not EARLIEST <= head <= LATEST:
        raise ValueError(f"head block time {head_time!r} is no time of a running chain")
    if head > (now or datetime.now(timezone.utc)) + MAX_AHEAD:
        raise ValueError(
            f"head block time {head_time!r} is over an hour ahead of this machine's clock "
            "(or the clock is behind)"
        )
    expiration = (head + timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "ref_block_num": head_block_number & 0xFFFF,
        "ref_block_prefix": prefix,
        "expiration": expiration,
        "head_time": head,
    }


def _private_key(wif: str, network: str, key_name: str) -> Any:
    from beemgraphenebase.account import PrivateKey

    try:
        return PrivateKey(wif, prefix="STM")
    except Exception:  # beem's own error may quote the key: not chained on purpose
        raise AuthenticationError(
            f"the configured {key_name} is not a valid private key (WIF)", network=network
        ) from None


def public_key_of(wif: str, network: str, key_name: str) -> str:
    """The STM… public key of a WIF private key."""
    return format(_private_key(wif, network, key_name).pubkey, "STM")


def _keys_of(entry: dict[str, Any], role: str) -> set[str]:
    """The public keys of an account's ``role`` authority (``key_auths``), as ``get_accounts`` sends them."""
    authority = entry.get(role)
    auths = authority.get("key_auths") if isinstance(authority, dict) else None
    return (
        {str(pair[0]) for pair in auths if isinstance(pair, list) and pair}
        if isinstance(auths, list)
        else set()
    )


def check_active_key(wif: str, entry: dict[str, Any], network: str) -> None:
    """``AuthenticationError`` before signing when the account lists the configured active key as its
    posting key (the chain refuses every transfer) or its owner key (which can replace every key,
    and has no place in a program): the account's read (``get_accounts``) says which. A key in none
    of its authorities is the chain's to judge (one granted through ``account_auths``)."""
    public = public_key_of(wif, network, "active_key")
    if public in _keys_of(entry, "active"):
        return
    role = next((r for r in ("owner", "posting") if public in _keys_of(entry, r)), None)
    if role is not None:
        name = entry.get("name")
        raise AuthenticationError(
            f"the configured active key is {name}'s {role} key, not an active key: configure the active "
            "key (nothing was signed)",
            network=network,
        )


def _operation(name: str, value: dict[str, Any]) -> Any:
    from beembase import operations

    klass = getattr(operations, name.capitalize())
    return klass(**dict(value, prefix="STM"))


def sign_transaction(
    ops: list[OpJson], tx_base: dict[str, Any], wif: str, chain: Chain, key_name: str
) -> SignedTx:
    """Sign ``ops`` with ``wif`` for ``chain``; the JSON broadcast is exactly what was serialized."""
    from beembase.signedtransactions import Signed_Transaction

    key = _private_key(wif, chain.network, key_name)
    tx = Signed_Transaction(
        ref_block_num=tx_base["ref_block_num"],
        ref_block_prefix=tx_base["ref_block_prefix"],
        expiration=tx_base["expiration"],
        operations=[_operation(name, value) for name, value in ops],
    )
    tx.sign([str(key)], chain={"chain_id": chain.chain_id, "prefix": "STM"})
    signatures = [str(s) for s in tx.json()["signatures"]]
    body = {
        "ref_block_num": tx_base["ref_block_num"],
        "ref_block_prefix": tx_base["ref_block_prefix"],
        "expiration": tx_base["expiration"],
        "operations": [[name, value] for name, value in ops],
        "extensions": [],
        "signatures": signatures,
    }
    return SignedTx(json=body, id=str(tx.id), digest=bytes(tx.digest).hex(), head_time=tx_base["head_time"])
