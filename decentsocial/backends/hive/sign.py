"""Serialize and sign a transaction locally with beem's protocol classes.

Only ``beembase``/``beemgraphenebase`` are used: no ``Hive()``/``Steem()``
instance is built, so beem never picks a public node, never retries on its
own and never writes its wallet database. The chain id is always passed
explicitly (Hive mainnet ``beeab0de…``, Steem ``000…0``), and TaPoS comes from
the configured node's head block.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ...errors import AuthenticationError
from .chain import Chain
from .ops import OpJson

__all__ = ["SignedTx", "public_key_of", "sign_transaction", "tapos"]

#: A node's head block time outside these bounds is junk (the chains started in 2016).
EARLIEST = datetime(2016, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class SignedTx:
    """A signed transaction in the node's legacy JSON form, with its id and signing digest."""

    json: dict[str, Any]
    id: str
    digest: str
    head_time: datetime  # the node's head block time when it was signed


def tapos(head_block_number: int, head_block_id: str, head_time: str, expires_in: int) -> dict[str, Any]:
    """ref_block_num / ref_block_prefix / expiration from the node's dynamic global properties.

    Raises ``ValueError``/``struct.error`` for values no node would send (the caller makes them typed).
    """
    prefix = struct.unpack_from("<I", bytes.fromhex(head_block_id), 4)[0]
    head = datetime.strptime(head_time, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    if not EARLIEST <= head <= LATEST:
        raise ValueError(f"head block time {head_time!r} is no time of a running chain")
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
