"""A keyed tip on Hive/Steem: one transfer per idempotency key, kept and re-sent, never signed twice.

The signed transaction is written to the state store under the key before
it is broadcast; a retry (after a lost answer, a crash, in another process)
re-broadcasts that very transaction, which the chain takes at most once (a
duplicate answer is success). Once it has expired it can no longer be
included, but a block that took it may still be reversible: a new transfer
is signed only when the last irreversible block is past the expiration and
the sender's history (reversible blocks included) does not list it.

One call at a time works on a key: it holds the key's lease in the state
store while it looks for the kept transaction, signs, keeps and sends. A
second call meanwhile (a retry after ``asyncio.wait_for`` gave up on a call
still running, another process) signs nothing: it is told to call again.

A keyed publish with ``comment_options`` (beneficiaries, payout options)
keeps its signed transaction the same way, under the same rules: hived
refuses those options a second time for one post.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, cast

from ... import errors
from ...coerce import as_dict, malformed
from ...models import Amount
from . import ops
from .convert import as_datetime
from .sign import SignedTx

if TYPE_CHECKING:
    from .network import HiveNetwork

__all__ = ["COMMENT_OP", "TRANSFER_OP", "KeyedTips", "chain_time"]

#: The ``comment`` and ``transfer`` operations' numbers (account_history_api operation_filter_low bits).
COMMENT_OP = 1
TRANSFER_OP = 2
#: The requests one keyed write makes at most (head, history, block header, balance, head, broadcast,
#: with room): its lease lasts that many retry-policy spans, so it outlives a live holder.
KEYED_REQUESTS = 8


def chain_time(text: str) -> datetime:
    """A chain time stamp (``2016-09-15T19:47:21``, UTC)."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)


class KeyedTips:
    """The keyed-write steps of :class:`HiveNetwork`: tips, and publishes with ``comment_options``."""

    resolves_tip_keys: ClassVar[bool] = True  # a key's signed transfer is kept and re-sent, not signed again

    def _keyed_tip(self, op: ops.OpJson, amount: Amount, record: str) -> str:
        """A transfer made exactly once for one idempotency key (see the module's docstring)."""
        net = cast("HiveNetwork", self)
        with self._alone(record):
            kept = self._kept_tip(record, op)
            if kept is not None and self._kept_stands(kept, "tip", TRANSFER_OP):
                return kept.id
            net._check_balance(net._my_name(), amount)
            tx = net._sign([op], "active_key")
            self._keep(record, tx, kept)
            net._send(tx, distinct=True)  # a duplicate here is another key's (or keyless) transfer
            return tx.id

    def _keyed_options(self, operations: list[ops.OpJson], record: str) -> SignedTx:
        """A keyed ``comment`` with ``comment_options``, sent once: the kept transaction while it stands,
        a new one only once it can never be included (see ``_kept_stands``)."""
        net = cast("HiveNetwork", self)
        with self._alone(record):
            found = self._kept(record)
            kept = found if found is not None and found.json["operations"] == _as_json(operations) else None
            if kept is not None and self._kept_stands(kept, "post", COMMENT_OP):
                return kept
            tx = net._sign(operations, "posting_key")
            self._keep(record, tx, found)
            net._send(tx)
            return tx

    def _kept_stands(self, kept: SignedTx, what: str, op_number: int) -> bool:
        """Whether ``kept`` is still the key's transaction: re-sent while it can be included, or found
        in the account's history (operations ``op_number``) once expired. ``False`` only when it can
        never be included: the last irreversible block is past its expiration and no block holds it.

        A block is applied on its predecessor's time: one taking the transaction came before any
        block at or after its expiration, so such an irreversible block settles it. Before that,
        ``NetworkUnavailable`` (not retryable): a reversible block may still take it.
        """
        net = cast("HiveNetwork", self)
        expires = chain_time(str(kept.json["expiration"]))
        _, head_time, irreversible = net._head()
        if head_time < expires:
            net.signed.append(kept)
            net._send(kept)
            return True
        if self._in_history(kept, what, op_number):
            return True
        if irreversible < 1:
            raise malformed(net.name, "set of chain properties (no last irreversible block)")
        if self._block_time(irreversible) < expires:
            raise errors.NetworkUnavailable(
                f"the {what}'s transaction {kept.id} expired, but a block that is not irreversible yet "
                "may hold it; retry with the same idempotency_key in a minute",
                network=net.name,
            )
        return False

    @contextmanager
    def _alone(self, record: str) -> Iterator[None]:
        """Hold the key's lease (every process on this state store) while its transaction is found,
        signed, kept and sent: two calls with one key must never sign two transactions."""
        net = cast("HiveNetwork", self)
        scope, owner, now = f"leases:{net.state_scope}", f"{os.getpid()}:{uuid.uuid4().hex}", time.time()
        until = now + KEYED_REQUESTS * (net.retry.total_seconds + net.settings.timeout)
        held = net.state.take_lease(scope, record, owner, until, now, network=net.name)
        if held is not None:
            raise errors.NetworkUnavailable(
                f"another call with this idempotency_key is in progress (its claim runs {held - now:.0f} s "
                "more): call again later with the same key, and it gives that call's result",
                network=net.name,
                retryable=False,  # not a failure of this key: it stays claimed
            )
        try:
            yield
        finally:
            net.state.end_lease(scope, record, owner)

    def _keep(self, record: str, tx: SignedTx, replacing: SignedTx | None) -> None:
        """Write ``tx`` under the key's record before it is broadcast, in place of ``replacing``.

        A record that changed since it was read (a lease outlived by a call that hung, and another
        call signed or finished meanwhile) is ``NetworkUnavailable``: that other call's transaction
        stands, and this one is never sent.
        """
        net = cast("HiveNetwork", self)
        stored = net.state.get(net.state_scope, record)
        digest = stored[0] if stored is not None else tx.id
        before = stored[1] if stored is not None else None
        data = {"hive_tx": tx.json, "id": tx.id, "digest": tx.digest, "head_time": tx.head_time.isoformat()}
        # Unchanged: still the bare claim, or still ``replacing`` (not another's transaction or receipt).
        unchanged = (
            not before if replacing is None else before is not None and before.get("id") == replacing.id
        )
        if not unchanged or not net.state.swap(net.state_scope, record, before, data, digest):
            raise errors.NetworkUnavailable(
                "another call with this idempotency_key signed its transaction meanwhile; this one sent "
                "nothing: call again with the same key",
                network=net.name,
                retryable=False,
            )

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

    def _in_history(self, tx: SignedTx, what: str, op_number: int) -> bool:
        """Whether the expired ``tx`` made it into a block: the account's newest operations ``op_number``
        (its transfers, its comments), by transaction id.

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
            "operation_filter_low": 1 << op_number,
            "include_reversible": True,
        }
        history = as_dict(net._call("account_history_api.get_account_history", query)).get("history")
        # An answer or entry that cannot be read is no "not found": read as one, it would sign anew.
        if not isinstance(history, list):
            raise malformed(net.name, "account history (no list of operations)")
        oldest: datetime | None = None
        for entry in history:
            if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], dict)):
                raise malformed(net.name, "account history (an entry is no [index, operation])")
            item = entry[1]
            if not isinstance(item.get("trx_id"), str):
                raise malformed(net.name, "account history (an operation without its transaction id)")
            if item["trx_id"] == tx.id:
                return True
            stamp = as_datetime(item.get("timestamp"))
            if stamp is not None and (oldest is None or stamp < oldest):
                oldest = stamp
        complete = len(history) < 1000 or (oldest is not None and oldest <= tx.head_time)
        if not complete:
            raise errors.NetworkUnavailable(
                f"the {what}'s transaction {tx.id} expired and the node's history does not reach back far "
                "enough to say whether it was included; check the account before sending it again",
                network=net.name,
            )
        return False


def _as_json(value: Any) -> Any:
    """``value`` as it reads back from the state store (tuples become lists)."""
    return json.loads(json.dumps(value))
