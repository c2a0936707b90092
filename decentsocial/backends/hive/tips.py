"""A keyed tip on Hive/Steem: one transfer per idempotency key, kept and re-sent, never signed twice.

The signed transaction is written to the state store under the key before
it is broadcast; a retry (after a lost answer, a crash, in another process)
re-broadcasts that very transaction, which the chain takes at most once (a
duplicate answer is success). Once it has expired it can no longer be
included, but a block that took it may still be reversible: a new transfer
is signed only when the last irreversible block is past the expiration and
the sender's history (reversible blocks included) does not list it.

A keyed publish with ``comment_options`` (beneficiaries, payout options)
keeps its signed transaction the same way: hived refuses those options a
second time for one post, so a retry re-sends the kept transaction, and once
that has expired returns the post when the chain has it.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, cast

from ... import errors
from ...coerce import as_dict, as_list, malformed
from ...models import Amount, Post
from . import ops
from .convert import as_datetime
from .sign import SignedTx

if TYPE_CHECKING:
    from .network import HiveNetwork

__all__ = ["TRANSFER_OP", "KeyedTips", "chain_time"]

#: The ``transfer`` operation's number (account_history_api operation_filter_low bit).
TRANSFER_OP = 2


def chain_time(text: str) -> datetime:
    """A chain time stamp (``2016-09-15T19:47:21``, UTC)."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)


class KeyedTips:
    """The keyed-write steps of :class:`HiveNetwork`: tips, and publishes with ``comment_options``."""

    def _keyed_tip(self, op: ops.OpJson, amount: Amount, record: str) -> str:
        """A transfer made exactly once for one idempotency key (see the module's docstring)."""
        net = cast("HiveNetwork", self)
        kept = self._kept_tip(record, op)
        if kept is not None:
            expires = chain_time(str(kept.json["expiration"]))
            _, head_time, irreversible = net._head()
            if head_time < expires:
                net.signed.append(kept)
                net._send(kept)
                return kept.id
            if self._in_history(kept):
                return kept.id
            # A block is applied on its predecessor's time: one taking the transaction came before
            # any block at or after its expiration, so such an irreversible block settles it.
            if irreversible < 1:
                raise malformed(net.name, "set of chain properties (no last irreversible block)")
            if self._block_time(irreversible) < expires:
                raise errors.NetworkUnavailable(
                    f"the tip's transaction {kept.id} expired, but a block that is not irreversible yet "
                    "may hold it; retry with the same idempotency_key in a minute",
                    network=net.name,
                )
        me = net._my_name()
        net._check_balance(me, amount)
        tx = net._sign([op], "active_key", distinct=True)
        self._keep(record, tx)
        net._send(tx, distinct=True)
        return tx.id

    def _keyed_options(self, operations: list[ops.OpJson], record: str, post_id: str) -> SignedTx | Post:
        """A keyed ``comment`` with ``comment_options``, sent once: the kept transaction while it can be
        included, then the post ``post_id`` if the chain has it; only else a new transaction."""
        net = cast("HiveNetwork", self)
        kept = self._kept(record)
        if kept is not None and kept.json["operations"] == _as_json(operations):
            _, head_time, _ = net._head()
            if head_time < chain_time(str(kept.json["expiration"])):
                net.signed.append(kept)
                net._send(kept)
                return kept
            try:
                return net._get_post(post_id)
            except errors.NotFound:
                pass  # expired without reaching a block: a new transaction
        tx = net._sign(operations, "posting_key")
        self._keep(record, tx)
        net._send(tx)
        return tx

    def _keep(self, record: str, tx: SignedTx) -> None:
        """Write ``tx`` under the key's record before it is broadcast."""
        net = cast("HiveNetwork", self)
        stored = net.state.get(net.state_scope, record)
        digest = stored[0] if stored is not None else tx.id
        data = {"hive_tx": tx.json, "id": tx.id, "digest": tx.digest, "head_time": tx.head_time.isoformat()}
        net.state.put(net.state_scope, record, digest, data)

    def _kept(self, record: str) -> SignedTx | None:
        """The transaction signed for this key before, if any."""
        net = cast("HiveNetwork", self)
        stored = net.state.get(net.state_scope, record)
        if stored is None or "hive_tx" not in stored[1]:
            return None
        data = stored[1]
        try:
            return SignedTx(
                json=dict(data["hive_tx"]),
                id=str(data["id"]),
                digest=str(data["digest"]),
                head_time=datetime.fromisoformat(str(data["head_time"])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise errors.InvalidInput(
                "the record of this idempotency_key is unreadable; use a new key", network=net.name
            ) from exc

    def _kept_tip(self, record: str, op: ops.OpJson) -> SignedTx | None:
        """The transaction signed for this key before, if any (it must be this very transfer)."""
        kept = self._kept(record)
        if kept is not None and kept.json.get("operations") != [list(op)]:
            raise errors.InvalidInput(
                "this idempotency_key was already used for another transfer; use a new key",
                network=cast("HiveNetwork", self).name,
            )
        return kept

    def _block_time(self, number: int) -> datetime:
        """The time stamp of block ``number`` (its header)."""
        net = cast("HiveNetwork", self)
        header = as_dict(net._call("condenser_api.get_block_header", [number]))
        try:
            return chain_time(str(header["timestamp"]))
        except (KeyError, ValueError) as exc:
            raise malformed(net.name, "block header") from exc

    def _in_history(self, tx: SignedTx) -> bool:
        """Whether the expired ``tx`` made it into a block: the sender's newest transfers, by transaction id.

        Reversible blocks are asked for too (HAfAH and hived leave them out
        by default). Not found where the history reaches back past the
        transaction's signing means it is in no block the node has; a history
        that does not reach so far back cannot tell, and that is a typed
        error rather than a second payment.
        """
        net = cast("HiveNetwork", self)
        query = {
            "account": net._my_name(),
            "start": -1,
            "limit": 1000,
            "operation_filter_low": 1 << TRANSFER_OP,
            "include_reversible": True,
        }
        history = as_list(as_dict(net._call("account_history_api.get_account_history", query)).get("history"))
        oldest: datetime | None = None
        for entry in history:
            if not isinstance(entry, list) or len(entry) < 2:
                continue
            item = as_dict(entry[1])
            if item.get("trx_id") == tx.id:
                return True
            stamp = as_datetime(item.get("timestamp"))
            if stamp is not None and (oldest is None or stamp < oldest):
                oldest = stamp
        complete = len(history) < 1000 or (oldest is not None and oldest <= tx.head_time)
        if not complete:
            raise errors.NetworkUnavailable(
                f"the tip's transaction {tx.id} expired and the node's history does not reach back far "
                "enough to say whether it was included; check the account before paying again",
                network=net.name,
            )
        return False


def _as_json(value: Any) -> Any:
    """``value`` as it reads back from the state store (tuples become lists)."""
    return json.loads(json.dumps(value))
