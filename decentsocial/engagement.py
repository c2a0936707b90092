"""Engagement over time: snapshots of posts in a SQLite file, and per-network reports.

::

    ds.track(posts, store="metrics.db", networks=[masto, bsky])   # one snapshot per post, now
    df = ds.history("metrics.db")     # one row per (post, snapshot)
    df = ds.report([masto, bsky], since=week_ago)   # one row per network and account

``track`` re-reads each post through the connection of its network (given
in ``networks``) so the snapshot holds today's likes, reposts, replies and
rewards; posts whose network has no connection are stored as they are.
``history`` and ``report`` return pandas ``DataFrame`` s (the ``pandas``
extra); pandas is imported only when they are called.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager
from datetime import datetime, timezone
from decimal import Decimal, localcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import errors
from .coerce import as_count, connections, utc_input
from .frames import ENGAGEMENT
from .models import Post, Reward
from .network import Capability, Network
from .paths import home_path
from .state import open_store, store_failures

if TYPE_CHECKING:
    import pandas

__all__ = [
    "HISTORY_COLUMNS",
    "LINKED_NETWORKS",
    "REPORT_COLUMNS",
    "asset_columns",
    "history",
    "post_key",
    "report",
    "track",
]

log = logging.getLogger("decentsocial.engagement")

#: Seconds to wait for another process that holds the metrics store.
_TIMEOUT = 30.0
#: The counts a snapshot holds.
_COUNTS = ("likes", "reposts", "replies", "quotes", "views")
#: The largest count stored and summed: what SQLite's INTEGER and pandas' ``Int64`` hold.
_MAX_COUNT = 2**63 - 1

#: The columns of :func:`history`, before one ``reward_<ASSET>`` column per asset (:func:`asset_columns`).
HISTORY_COLUMNS: tuple[str, ...] = (
    "network",
    "id",
    "taken_at",
    "created_at",
    "author",
    *ENGAGEMENT,
    "url",
)
#: The dtype of ``taken_at`` and ``created_at`` in :func:`history`: UTC, to the microsecond as stored.
_TIME = "datetime64[us, UTC]"
#: The columns of :func:`report`, before one ``rewards_<ASSET>`` column per asset (:func:`asset_columns`).
REPORT_COLUMNS: tuple[str, ...] = (
    "network",
    "account",
    "posts",
    "likes",
    "reposts",
    "replies",
    "quotes",
    "views",
)

#: The store's layout (``PRAGMA user_version``): 2 keys a post's snapshots by ``post``, its identity
#: (:func:`post_key`); 1 (``user_version`` 0, no ``url`` and ``post`` columns) keyed them by id.
_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots (
    network       TEXT NOT NULL,
    id            TEXT NOT NULL,
    taken_at      REAL NOT NULL,
    created_at    REAL NOT NULL,
    author        TEXT NOT NULL,
    likes         INTEGER,
    reposts       INTEGER,
    replies       INTEGER,
    quotes        INTEGER,
    views         INTEGER,
    reward_status TEXT,
    rewards       TEXT NOT NULL,
    url           TEXT,
    post          TEXT NOT NULL,
    PRIMARY KEY (network, post, taken_at)
)
"""
#: The columns of a store of the first layout, keyed by ``(network, id, taken_at)``: read as it is,
#: rebuilt in the layout above by the next ``track``.
_STORED_V1 = ("network", "id", "taken_at", "created_at", "author", *_COUNTS, "reward_status", "rewards")
#: The columns of ``_SCHEMA``'s table, in order: another program's ``snapshots`` table is not this one.
_STORED = (*_STORED_V1, "url", "post")
#: Networks whose post ids are the server's own (a status has another id on each Mastodon server, and
#: two servers give one id to two statuses): their posts are told apart, and one read through two
#: servers is one post, by its link (``Post.url``, the same on every server). Every other network's id
#: names one post wherever it is read, and lasts (a Bluesky or Threads link holds the author's handle,
#: which may change; a Minds link is on the server it was read through).
LINKED_NETWORKS: frozenset[str] = frozenset({"mastodon"})


def post_key(network: str, post_id: str, url: str | None) -> str:
    """The identity of a post's history: its link on a network of :data:`LINKED_NETWORKS` (where it
    has one), else its id."""
    return url if url and network in LINKED_NETWORKS else post_id


def _open(store: str | Path, *, create: bool) -> sqlite3.Connection:
    """The metrics store at ``store``: refused (and let go of) if it is another file; made if it is
    missing and ``create`` (tracking), else refused: reading a mistyped path would make an empty store
    and show no history instead of saying so."""
    if not isinstance(store, (str, os.PathLike)) or not str(store).strip():
        raise errors.InvalidInput(f"store must be a file path, got {store!r}")
    path = home_path(store, "the metrics store")
    missing = f"no metrics store at {path}: track() makes one with its snapshots"
    if not create and not path.exists():
        raise errors.ConfigurationError(missing)
    if not create and path.is_file() and path.stat().st_size == 0:
        # SQLite takes an empty file for an empty database: a read would leave it a store's schema.
        raise errors.ConfigurationError(
            f"{path} is an empty file, not a decentsocial metrics store: track() makes one with its snapshots"
        )

    def prepare(db: sqlite3.Connection) -> None:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "snapshots" not in tables:
            raise errors.ConfigurationError(f"{path} is a database, but not a decentsocial metrics store")
        stored = _layout(db, path)
        if create:
            if stored != _STORED:  # new, or of the first layout: made or rebuilt, once, by one process
                _make_or_rebuild(db, path)
        elif not stored:  # a reader never writes: a database with no table is not a store track made
            raise errors.ConfigurationError(
                f"{path} is a database without snapshots, not a decentsocial metrics store:"
                " track() makes one with its snapshots"
            )

    # A reader opens the file only if it is there still (``mode=rw``): one removed since the check above
    # is the same error, not a new empty store.
    return open_store(
        path, "a decentsocial metrics store", _TIMEOUT, prepare, missing=None if create else missing
    )


def _layout(db: sqlite3.Connection, path: Path) -> tuple[str, ...]:
    """The columns of the store's ``snapshots`` (none yet: ``()``), checked to be this version's or the
    first one's: another program's table, or a store a newer decentsocial made, is refused as it is.

    One statement reads both, so both are of one moment: read apart, another process's rebuild committed
    between them showed the first layout's columns with the new version (a store refused as another's)."""
    rows = db.execute(
        "SELECT v.user_version, c.name FROM pragma_user_version AS v"
        " LEFT JOIN pragma_table_info('snapshots') AS c ORDER BY c.cid"
    ).fetchall()
    version = rows[0][0]
    stored = tuple(name for _, name in rows if name is not None)
    if stored not in ((), _STORED, _STORED_V1) or (stored == _STORED_V1 and version != 0):
        raise errors.ConfigurationError(f"{path} is a database, but not a decentsocial metrics store")
    if stored == _STORED and version != _VERSION:
        raise errors.ConfigurationError(
            f"{path} is a metrics store of another decentsocial version (layout {version}, this one reads"
            f" {_VERSION} and 1): upgrade decentsocial to use it"
        )
    return stored


def _make_or_rebuild(db: sqlite3.Connection, path: Path) -> None:
    """Make the snapshots table, or rebuild a store of the first layout in this one, in one transaction.

    SQLite cannot change a table's primary key: the rows go to a new table that replaces the old one.
    Their ``url`` is not known (missing) and their ``post`` is their id, as they were keyed; the next
    snapshot of each post with a link claims them (:func:`_claim`). Looked at again under the write
    lock, so two processes tracking into one old store rebuild it once.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        stored = _layout(db, path)
        if stored == _STORED_V1:
            db.execute(_SCHEMA.replace("snapshots", "snapshots_v2"))
            db.execute(
                "INSERT INTO snapshots_v2 SELECT network, id, taken_at, created_at, author, likes, reposts,"
                " replies, quotes, views, reward_status, rewards, NULL, id FROM snapshots"
            )
            db.execute("DROP TABLE snapshots")
            db.execute("ALTER TABLE snapshots_v2 RENAME TO snapshots")
            log.info("track: %s rebuilt with each post's link (metrics store layout %d)", path, _VERSION)
        db.execute(_SCHEMA)
        db.execute(f"PRAGMA user_version = {_VERSION}")
        db.commit()
    except BaseException:
        db.rollback()
        raise


def check_store(store: str | Path) -> None:
    """Open the metrics store at ``store`` (made if missing) and let go of it: for a loop of ``track``
    calls, a folder or another database is said once, before any post is read."""
    _open(store, create=True).close()


def _failures(store: str | Path, doing: str) -> AbstractContextManager[None]:
    """SQLite's failures once the store is open (another process writing to it past the timeout, a
    full disk) as ``NetworkUnavailable`` naming the store and the step."""
    return store_failures(f"the metrics store {Path(store).expanduser()}", doing, _TIMEOUT)


def track(
    posts: Iterable[Post],
    store: str | Path = "metrics.db",
    *,
    networks: Sequence[Network] = (),
    now: datetime | None = None,
) -> list[Post]:
    """Store one snapshot of each post's engagement and rewards, taken now; returns the posts stored, as read.

    A post whose network is among ``networks`` is read again (``get_post``,
    and ``rewards`` where the network has them) so the snapshot is current;
    with several connections to one network (two servers, two accounts),
    each is tried in turn until one has the post. A post none of them can
    read now (deleted, or the network failing) is logged and not stored:
    its old numbers stamped ``now`` would be a false snapshot. ``now``
    (default: this machine's clock) stamps the snapshot; a naive ``now`` is UTC.
    """
    if isinstance(posts, Post) or not isinstance(posts, Iterable):
        raise errors.InvalidInput(f"posts must be a list of Post objects, got {type(posts).__name__}")
    given = list(posts)
    if not all(isinstance(p, Post) for p in given):
        raise errors.InvalidInput("track takes Post objects (from publish, get_post, search…)")
    # A post listed twice (a server that sends one post twice in a page, or on two pages) is one snapshot:
    # read once and returned once, so a caller summing what was stored does not count it twice. One post
    # is one identity (:func:`post_key`): two Mastodon servers' statuses of one id are two posts.
    items: dict[tuple[str, str], Post] = {}
    for post in given:
        items.setdefault((post.network, post_key(post.network, post.id, post.url)), post)
    by_name: dict[str, list[Network]] = {}
    for net in connections(networks):
        by_name.setdefault(net.name, []).append(net)
    taken = _now(now).timestamp()
    db = _open(store, create=True)  # a store that cannot be used is said before any post is read
    try:
        read = (_refresh(post, by_name.get(post.network, [])) for post in items.values())
        current = [post for post in read if post is not None]
        rows = [_snapshot_row(post, taken) for post in current]
        with _failures(store, "storing snapshots"), _damage(store), db:
            _claim(db, rows)
            db.executemany(
                "INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
    finally:
        db.close()
    return current


def _now(now: Any) -> datetime:
    """``now`` in UTC (naive is UTC, as everywhere in the SDK), or this machine's clock."""
    return datetime.now(timezone.utc) if now is None else utc_input(now, "now")


def _refresh(post: Post, nets: list[Network]) -> Post | None:
    """``post`` read again through the first of ``nets`` (its network's connections) that has it; as given
    if its network has no connection; ``None`` (logged) if none of them can read it now."""
    if not nets:
        return post
    failure: str = "no connection has it"
    for net in nets:
        try:
            fresh = net.get_post(_id_on(net, post)) if Capability.READ in net.capabilities else post
            if len(nets) > 1 and post.url and fresh.url and fresh.url != post.url:
                continue  # the same id on another server is another post
            if Capability.REWARDS in net.capabilities:
                fresh = fresh.model_copy(update={"reward": net.rewards(fresh)})
        except errors.DecentSocialError as exc:
            failure = str(exc)
            continue
        return fresh
    log.warning("track: %s %s not stored, it could not be read now: %s", post.network, post.id, failure)
    return None


def _id_on(net: Network, post: Post) -> str:
    """``post``'s id on ``net``'s server: a Mastodon status read through another server has another id
    there (its own id would read another status); a backend on the SDK's base says (``post_id``)."""
    from .base import BaseNetwork

    return net.post_id(post) if isinstance(net, BaseNetwork) else post.id


def _claim(db: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Give the snapshots a store of the first layout kept of a post's id (no link then, keyed by the
    id) to the post of that id and network stored now with its link, so its history goes on as one.

    Such a store kept two servers' posts of one id as one already: their rows go to the first of them
    tracked since. A row of the same time as one of the post's own is left as it was.
    """
    db.executemany(
        "UPDATE OR IGNORE snapshots SET url = ?, post = ?"
        " WHERE network = ? AND post = ? AND id = ? AND url IS NULL",  # by the primary key: no table scan
        [(row[-2], row[-1], row[0], row[1], row[1]) for row in rows if row[-1] != row[1]],
    )


def _snapshot_row(post: Post, taken: float) -> tuple[Any, ...]:
    m = post.metrics
    reward = post.reward
    # A reward may list one asset more than once (an author's and curators' shares): summed, as
    # ``report`` sums them, not the last one kept.
    earned: dict[str, Decimal] = {}
    for amount in reward.amounts if reward else ():
        known = earned.get(amount.asset)
        earned[amount.asset] = amount.value if known is None else _exact_sum(known, amount.value)
    amounts = {asset: str(value) for asset, value in earned.items()}
    return (
        post.network,
        post.id,
        taken,
        post.created_at.timestamp(),
        post.author.handle,
        *(as_count(getattr(m, name)) for name in _COUNTS),
        reward.status if reward else None,
        json.dumps(amounts),
        post.url,
        post_key(post.network, post.id, post.url),
    )


def history(store: str | Path = "metrics.db") -> pandas.DataFrame:
    """Every snapshot in ``store``, one row per (post, snapshot), oldest first.

    A ``store`` that does not exist, is empty or holds no snapshots table, or one damaged (on disk, or
    rows another program wrote), is a ``ConfigurationError`` (nothing is made or changed: it only
    reads). An asset whose ``reward_<ASSET>`` column would be another's name, in any case (an asset
    named ``status``), is told apart with ``#2`` (:func:`asset_columns`).
    """
    pd = _pandas()
    db = _open(store, create=False)
    try:
        # The cursor closed before the connection, also when a row is damaged: the error's traceback
        # (which Jupyter keeps) holds the cursor, and a statement still running held the file open.
        with _failures(store, "reading snapshots"), _damage(store), closing(db.cursor()) as rows:
            # A store of the first layout is read as it is (a reader never writes): no link is known.
            first = "post" not in {r[1] for r in rows.execute("PRAGMA table_info(snapshots)")}
            columns = _history_columns(rows.execute(_READ_FIRST if first else _READ))
    finally:
        db.close()
    with _damage(store):
        return _typed(pd, columns)


#: Every snapshot, oldest first (two posts of one id at one time: by link); and of a first-layout store.
_READ = (
    "SELECT network, id, taken_at, created_at, author, likes, reposts, replies, quotes, views, reward_status,"
    " rewards, url FROM snapshots ORDER BY taken_at, network, id, url"
)
_READ_FIRST = (
    "SELECT network, id, taken_at, created_at, author, likes, reposts, replies, quotes, views, reward_status,"
    " rewards, NULL FROM snapshots ORDER BY taken_at, network, id"
)


class _Damaged(Exception):
    """A stored value ``track`` would not have written (said by :func:`_damage` with the store's path)."""


#: SQLite's words for a file damaged past its first page (found only once its rows are read), and
#: sqlite3's for a text another program wrote in another encoding (bytes that are no UTF-8).
_CORRUPT = ("malformed", "not a database", "Could not decode to UTF-8")


@contextmanager
def _damage(store: str | Path) -> Iterator[None]:
    """A store found damaged once open (reading or writing) as a ``ConfigurationError`` naming it, as a
    file that is no store at all is: not ``NetworkUnavailable``, not a bare ``ValueError``; trying again
    cannot help."""
    try:
        yield
    except (_Damaged, sqlite3.DatabaseError) as exc:
        if isinstance(exc, sqlite3.DatabaseError) and not any(words in str(exc) for words in _CORRUPT):
            raise
        raise errors.ConfigurationError(
            f"the metrics store {Path(store).expanduser()} is damaged ({exc})"
        ) from exc


def _typed(pd: Any, columns: dict[str, list[Any]]) -> pandas.DataFrame:
    """The history frame of ``columns``, each column of its dtype (a value of another kind: ``_Damaged``)."""
    frame = pd.DataFrame(columns, columns=list(columns))
    # Typed column by column, so a store with no snapshot yet gives the dtypes of one with snapshots
    # (from no rows, pandas would make every column ``object``).
    text = pd.Series(["text"]).dtype  # what this pandas makes of strings: str (pandas 3), object before
    for column in ("network", "id", "author", "reward_status", "url"):
        frame[column] = frame[column].astype(text)
    for column in ("taken_at", "created_at"):
        # Straight to microseconds: through pandas 2's nanoseconds, a year past 2262 (an author may
        # date a post 9999-12-31) would overflow.
        frame[column] = frame[column].astype(_TIME)
    for column in _COUNTS:
        try:
            counts = frame[column].astype("Int64")
        except (TypeError, ValueError):
            raise _Damaged(f"a {column} count is not a whole number") from None
        # A negative count (a hostile server's -7, kept by a version before counts were checked) is
        # missing, as track stores it now: not -7 likes in a sum or a plot.
        frame[column] = counts.mask((counts < 0).fillna(False))
    return frame


#: How many distinct rewards texts ``history`` keeps parsed: enough for the few every row repeats (a
#: paid-out reward, none yet), small beside a frame of millions of rows (about 300 bytes each).
_AMOUNTS_CACHED = 10_000


def _history_columns(rows: Iterable[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """The snapshots read row by row into one list per column (``reward_<ASSET>`` ones sorted at the end).

    A year of hourly snapshots of a thousand posts is millions of rows: no
    row is held as a tuple or a dict, and the values every row repeats (a
    snapshot's time, a post's id, author and time, a rewards text) are one
    object each, so the frame's making needs little more than the frame.
    """
    names = (
        "network",
        "id",
        "author",
        "likes",
        "reposts",
        "replies",
        "quotes",
        "views",
        "reward_status",
        "url",
    )
    columns: dict[str, list[Any]] = {name: [] for name in HISTORY_COLUMNS}
    rewards: dict[str, list[Any]] = {}
    moments: dict[float, datetime] = {}
    texts: dict[str, str] = {}
    amounts: dict[str, dict[str, Decimal]] = {}
    for count, (network, post_id, taken, created, author, *counts, status, reward_text, url) in enumerate(
        rows
    ):
        for name, value in zip(names, (network, post_id, author, *counts, status, url), strict=True):
            if isinstance(value, str):
                value = texts.setdefault(value, value)
            elif isinstance(value, bytes):  # a BLOB another program wrote: pandas would decode it, or fail
                raise _Damaged(
                    f"a snapshot's {name} is bytes, not {'a count' if name in _COUNTS else 'text'}"
                )
            columns[name].append(value)
        for name, seconds in (("taken_at", taken), ("created_at", created)):
            moment = moments.get(seconds)
            if moment is None:
                if len(moments) > 100_000:  # every snapshot its own time: a bounded cache, not a second copy
                    moments.clear()
                moment = moments[seconds] = _moment(seconds)
            columns[name].append(moment)
        earned = amounts.get(reward_text)
        if earned is None:
            # Hive's pending payouts change at every snapshot: then no rewards text repeats, and a cache
            # of all held each row's text and dict beside the frame (150,000 rows: 79 MB peak, not 54).
            if len(amounts) >= _AMOUNTS_CACHED:
                amounts.clear()
            earned = amounts[reward_text] = _amounts(reward_text)
        for asset in earned.keys() - rewards.keys():
            rewards[asset] = [math.nan] * count  # an asset first seen now: missing in the rows before
        for asset, values in rewards.items():
            values.append(earned.get(asset, math.nan))
    named = asset_columns("reward_", rewards, columns)
    columns.update((named[asset], rewards[asset]) for asset in sorted(rewards))
    return columns


def asset_columns(prefix: str, assets: Iterable[str], taken: Iterable[str]) -> dict[str, str]:
    """Each asset's column: ``prefix + asset``, unless a column ``taken`` or an asset's before it has
    that name in any case; then ``#2``, ``#3``… after it (``reward_status#2``).

    An asset may be named like a column (a sandbox paying in ``status`` made ``reward_status``, which
    overwrote the reward's status) or like another asset but for case (``sand`` beside ``SAND``: one
    column for a case-blind reader, a spreadsheet or a SQL table). Assets are named in sorted order
    (capitals first), so the same assets always get the same columns; an ordinary one keeps its own.
    """
    used = {name.casefold() for name in taken}
    named: dict[str, str] = {}
    for asset in sorted(assets):
        column, n = prefix + asset, 1
        while column.casefold() in used:
            n += 1
            column = f"{prefix}{asset}#{n}"
        used.add(column.casefold())
        named[asset] = column
    return named


def _amounts(text: Any) -> dict[str, Decimal]:
    """A snapshot's stored rewards (``{"SAND": "1.000"}``, as ``track`` writes them): each asset's amount."""
    try:
        found = json.loads(text) if isinstance(text, str) else None  # bytes (a BLOB) are not what track wrote
        # Amounts as the text track writes (``"1.000"``): a number would be read through a float
        # (``0.1`` as 0.1000000000000000055…), and ``true`` as 1.
        if isinstance(found, dict) and all(isinstance(v, str) for v in found.values()):
            earned = {k: Decimal(v) for k, v in found.items()}
            if all(v.is_finite() and v >= 0 for v in earned.values()):
                return earned
    except (TypeError, ValueError, ArithmeticError, RecursionError):  # "[[[[…" nested past the stack
        pass
    raise _Damaged(f"rewards {str(text)[:60]!r} are not amounts")


#: The calendar's first and last second as stored seconds: ``datetime``'s range, as ``track`` stores it.
_FIRST = datetime.min.replace(tzinfo=timezone.utc).timestamp()
_LAST = datetime.max.replace(tzinfo=timezone.utc).timestamp()


def _moment(seconds: float) -> datetime:
    """Stored seconds as a UTC time, held at the calendar's ends: an author may date a post 9999-12-31
    23:59:59.999999, which a float rounds past the year 9999. A time ``track`` cannot have stored
    (``inf``, ``NaN``, past the calendar by more than that rounding) is damage, not 9999-12-31."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or math.isnan(seconds):
        raise _Damaged(f"a time {str(seconds)[:60]!r} is not a number of seconds")
    if not _FIRST - 1 <= seconds <= _LAST + 1:
        raise _Damaged(f"a time of {str(seconds)[:60]} seconds is past the calendar's ends")
    try:
        return datetime.fromtimestamp(seconds, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return (datetime.max if seconds > 0 else datetime.min).replace(tzinfo=timezone.utc)


def report(networks: Sequence[Network], since: datetime, *, now: datetime | None = None) -> pandas.DataFrame:
    """Per network and account: posts made since ``since`` and their likes, reposts, replies, quotes,
    views, and rewards earned (one ``rewards_<ASSET>`` column per asset: payouts, zaps, sandbox coins).

    ``since`` must be tz-aware and not in the future; both are checked before any I/O. An asset whose
    column would be another's name, in any case, is told apart with ``#2`` (:func:`asset_columns`).
    """
    _pandas()  # the extra's hint before anything is read
    nets = connections(networks)
    if not nets:
        raise errors.InvalidInput("report needs one or more connections")
    if not isinstance(since, datetime) or since.tzinfo is None:
        raise errors.InvalidInput("since must be a datetime with a time zone")
    if since > _now(now):
        raise errors.InvalidInput(f"since is in the future ({since.isoformat()})")
    for net in nets:
        _check_posts(net)
    return report_frame([account_report(net, since) for net in nets])


#: One account's row of :func:`report` (its counts) and the rewards it earned, by asset.
AccountReport = tuple[dict[str, Any], dict[str, Decimal]]


def report_frame(accounts: Sequence[AccountReport]) -> pandas.DataFrame:
    """The :func:`report` frame of ``accounts``' rows: one ``rewards_…`` column per asset any earned,
    named once for all of them (:func:`asset_columns`), so an asset is one column in every row."""
    pd = _pandas()
    named = asset_columns("rewards_", {asset for _, earned in accounts for asset in earned}, REPORT_COLUMNS)
    records = [
        {**record, **{named[asset]: value for asset, value in earned.items()}} for record, earned in accounts
    ]
    columns = [*REPORT_COLUMNS, *(named[asset] for asset in sorted(named))]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for column in ("posts", "likes", "reposts", "replies", "quotes", "views"):
        frame[column] = frame[column].astype("Int64")  # a count a network does not give stays missing
    return frame


def _check_posts(net: Network) -> None:
    if Capability.POSTS not in net.capabilities:
        raise errors.UnsupportedFeature(net.name, Capability.POSTS, "report reads the account's posts")


def account_report(net: Network, since: datetime) -> AccountReport:
    """One account's posts since ``since`` summed (its row of :func:`report`, for :func:`report_frame`)."""
    _check_posts(net)
    record: dict[str, Any] = {"network": net.name, "account": net.me().handle, "posts": 0}
    totals = dict.fromkeys(_COUNTS, 0)
    known = dict.fromkeys(totals, False)
    earned: dict[str, Decimal] = {}
    counted: set[str] = set()  # a post a server lists twice (in a page, or on two pages) counts once
    for post in net.posts(limit=None):
        if post.reposted_by is not None or post.id in counted:
            continue  # a boost (Mastodon lists them) is someone else's post, dated when they made it
        if post.created_at < since:
            if record["posts"] == 0:  # none since: this older post shows which counts the network gives,
                for name in totals:  # and those are a true 0 (the others stay missing)
                    known[name] = as_count(getattr(post.metrics, name)) is not None
            break  # newest first: the rest are older
        record["posts"] += 1
        counted.add(post.id)
        for name in totals:
            value = as_count(getattr(post.metrics, name))
            if value is not None:
                totals[name] += value
                known[name] = True
        reward: Reward | None = post.reward
        if reward is None and Capability.REWARDS in net.capabilities:
            reward = net.rewards(post)
        for amount in reward.amounts if reward else ():
            earned[amount.asset] = _exact_sum(earned.get(amount.asset, Decimal(0)), amount.value)
    # A total past what Int64 holds (posts each near the bound) is missing too, not an OverflowError.
    record.update(
        {name: (totals[name] if known[name] and totals[name] <= _MAX_COUNT else None) for name in totals}
    )
    return record, earned


def _exact_sum(a: Decimal, b: Decimal) -> Decimal:
    """``a + b`` without rounding: the default context keeps 28 digits, a sum of rewards needs them all."""
    if not (a.is_finite() and b.is_finite()):
        return a + b
    low = min(int(a.as_tuple().exponent), int(b.as_tuple().exponent))
    high = max(a.adjusted(), b.adjusted()) + 1  # a carry may add a digit
    with localcontext() as context:
        context.prec = max(context.prec, high - low + 1)
        return a + b


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise errors.ConfigurationError(
            "history and report need pandas: pip install 'decentsocial[pandas]'"
        ) from None
    return pandas
