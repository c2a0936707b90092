"""hiveio-wax as an independent oracle for what our backend signed.

wax is the Hive core team's protocol library (C++ core, Python wheel for
3.12 only; other Pythons get a placeholder without these functions), so the
tests using it are skipped elsewhere with that reason.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from decentsocial.backends.hive.sign import SignedTx


def _wax() -> Any:
    if sys.version_info[:2] != (3, 12):
        pytest.skip("hiveio-wax ships its protocol library only for Python 3.12 (CI runs these on 3.12)")
    try:
        import wax
    except ImportError:
        pytest.skip("hiveio-wax is not installed (pip install hiveio-wax; Python 3.12 wheel)")
    if not hasattr(wax, "create_wax_transaction"):
        pytest.skip("this hiveio-wax is the placeholder without the protocol library (Python 3.12 only)")
    return wax


#: Steem's names for fields hived renamed; the binary layout is the same, so wax checks Steem txs
#: after renaming (amount labels STEEM/SBD are accepted by hived's legacy parser as they are).
_STEEM_TO_HIVE_FIELDS = {
    "percent_steem_dollars": "percent_hbd",
    "reward_steem": "reward_hive",
    "reward_sbd": "reward_hbd",
}


def _as_hive_json(tx: dict[str, Any]) -> dict[str, Any]:
    ops = []
    for name, value in tx["operations"]:
        ops.append([name, {_STEEM_TO_HIVE_FIELDS.get(k, k): v for k, v in value.items()}])
    return {**tx, "operations": ops}


@dataclass(frozen=True)
class WaxView:
    """What wax computes for a transaction: id, signing digest, keys recovered from the signatures."""

    id: str
    digest: str
    keys: list[str]


def wax_check(tx: SignedTx | dict[str, Any], chain_id: str) -> WaxView:
    """Parse the broadcast JSON with wax, validate it (raises on a protocol violation) and recover keys."""
    wax = _wax()
    body = tx.json if isinstance(tx, SignedTx) else tx
    # UTF-8 as is: wax reads \u escapes in legacy JSON as something else (wrong ids, sizes).
    api = wax.legacy_tx_to_json(json.dumps(_as_hive_json(body), ensure_ascii=False).encode())
    handle = wax.create_wax_transaction(json.loads(api), False)
    wax.tx_validate(handle)
    return WaxView(
        id=wax.tx_id(handle, False).decode(),
        digest=wax.tx_sig_digest(handle, chain_id.encode(), False).decode(),
        keys=[k.decode() for k in wax.tx_signature_keys(handle, chain_id.encode(), False)],
    )
