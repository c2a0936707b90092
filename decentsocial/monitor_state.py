"""What :func:`decentsocial.monitor` looks for and where each network stands: the filter and the cursor file.

:class:`Watch` is the filter (keywords and hashtags, mentions of an account,
replies to an account's posts); every post a stream or a search returns goes
through it, so a network's search that matches loosely, or a public stream,
never yields a post that does not match.

:class:`NetCursor` is where one connection stands: the newest post yielded
(its id and time), and the ids yielded within a window of time before it. A
post is new when its id is not among them and it is not older than the
window's edge (:attr:`NetCursor.horizon`): a search that returns the same
posts again, a stream that replays after a reconnect, a late post the
server indexed after newer ones, all come out exactly once. The window is
bounded in time and in count, so memory and the file stay small however long
the monitor runs.

:class:`CursorFile` keeps the cursors of every connection in one JSON file,
replaced atomically after every yielded post, so a monitor restarted with the
same file yields exactly what it had not yielded before.
"""

from __future__ import annotations

import errno
import json
import os
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InvalidInput, NetworkUnavailable
from .models import Account, Post, utc
from .paths import home_path
from .private_files import exclusive, read_small_file, write_private_file
from .text import mentions as parsed_mentions
from .text import normalise_tag

__all__ = [
    "CURSOR_FORMAT",
    "MAX_CLOCK_SKEW",
    "SEEN_WINDOW",
    "SEEN_WINDOW_IDS",
    "CursorFile",
    "NetCursor",
    "Watch",
    "check_keywords",
    "fold",
    "matches",
    "normalise_handle",
]

#: The key and version that mark a JSON file as a monitor cursor.
CURSOR_FORMAT = "decentsocial.monitor.cursor/1"
#: How far back of the newest post yielded the cursor remembers ids (a late post within it is still new).
SEEN_WINDOW = timedelta(hours=1)
#: At most this many ids are remembered per connection; past it the oldest go and the horizon moves up.
SEEN_WINDOW_IDS = 5_000
#: A post (or ``since``) may be this far ahead of this machine's clock (servers' clocks differ); a post
#: further ahead is not taken (yet), so an author who dates a post in 2100 cannot move a cursor there.
MAX_CLOCK_SKEW = timedelta(minutes=10)
#: Characters that show nothing and join or split no word: the direction marks and embeddings of
#: right-to-left text (a keyword copied from an Arabic app starts with U+200F), the zero-width non-joiner
#: that Persian writes inside words (U+200C, typed or not), zero-width spaces, soft hyphens and BOMs.
_INVISIBLE = dict.fromkeys(
    [
        0x00AD,
        0x061C,
        0x200B,
        0x200C,
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        0x2060,
        *range(0x2066, 0x206A),
        0xFEFF,
    ]
)
#: How a word is written, not which word it is: Arabic harakat (tashkeel), Quranic marks and the superscript
#: alef, Hebrew points (niqqud), the tatweel (a stretched line), emoji variation selectors and the
#: :data:`_INVISIBLE` characters are dropped; alef with hamza or madda reads as alef, alef maksura as yeh,
#: teh marbuta as heh (as Arabic search does), Persian yeh and keheh as the Arabic letters, Arabic-Indic
#: digits as 0-9.
_FOLD = {
    **_INVISIBLE,
    **dict.fromkeys(
        [
            *range(0x064B, 0x0660),
            0x0670,
            *range(0x06D6, 0x06DD),
            *range(0x06DF, 0x06E5),
            0x06E7,
            0x06E8,
            *range(0x06EA, 0x06EE),
            *range(0x0591, 0x05BE),
            0x05BF,
            0x05C1,
            0x05C2,
            0x05C4,
            0x05C5,
            0x05C7,
            0x0640,
            0xFE0E,
            0xFE0F,
            # The zero-width joiner: here, not in :data:`_INVISIBLE`, so a keyword's emoji sequence
            # (``👩‍💻``) reaches a network's search as written; compared, a word is the same without it.
            0x200D,
        ]
    ),
    0x0131: "i",  # Turkish dotless ı, as search engines fold it: `KIRMIZI` is `kırmızı`
    **dict.fromkeys([0x0622, 0x0623, 0x0625, 0x0671], "\u0627"),
    0x0649: "\u064a",
    0x0629: "\u0647",
    0x06CC: "\u064a",  # Persian yeh and keheh, as Persian keyboards type the Arabic letters
    0x06A9: "\u0643",
    **{0x0660 + n: str(n) for n in range(10)},  # Arabic-Indic digits, and the extended (Persian) ones
    **{0x06F0 + n: str(n) for n in range(10)},
}
_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)
_LATEST = datetime.max.replace(tzinfo=timezone.utc)


def plus(moment: datetime, delta: timedelta) -> datetime:
    """``moment + delta``, held at the calendar's ends (an author may date a post in year 1 or 9999)."""
    try:
        return moment + delta
    except OverflowError:
        return _LATEST if delta > timedelta(0) else _EARLIEST


def _now() -> datetime:
    return datetime.now(timezone.utc)


def fold(text: str) -> str:
    """``text`` as the filter compares it: NFKC (full-width letters, composed accents), case-folded, and
    without what :data:`_FOLD` drops, so ``مَرْحَبًا``, ``مرحـبا`` and ``مرحبا`` are one word.

    Turkish ``İ`` case-folds to ``i`` and a combining dot above: the dot goes, or ``İstanbul`` would
    not hold ``istanbul``.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().replace("i\u0307", "i")
    return unicodedata.normalize("NFKC", folded).translate(_FOLD)


def check_keywords(keywords: str | Iterable[str]) -> tuple[str, ...]:
    """Keywords as a tuple of non-empty strings; one string is one keyword, its words one space apart.

    A full-width ``＃`` (CJK and Arabic keyboards) becomes ``#``, as the rest
    of the SDK reads it, so the filter, the tag streams and the capability
    checks all see one hashtag.
    """
    if not isinstance(keywords, Iterable):
        raise InvalidInput(f"keywords must be a string or a list of strings, got {keywords!r}")
    items = [keywords] if isinstance(keywords, str) else list(keywords)
    split = [k.split() if isinstance(k, str) else [] for k in items]
    if not split or not all(split):
        raise InvalidInput(f"keywords must be non-empty strings, got {keywords!r}")
    # Each keyword as its words one space apart (as a search reads it), without the invisible characters
    # (a direction mark before a "#" would hide the tag, and no search finds a word with one), ＃ written #.
    visible = [[word.translate(_INVISIBLE) for word in words] for words in split]
    tagged = [["#" + w[1:] if w.startswith("＃") else w for w in words] for words in visible]
    for item, words in zip(items, tagged, strict=True):
        if "#" in words:
            raise InvalidInput(f"keyword {item!r} has a '#' without a tag")
        if not all(fold(word.removeprefix("#")) for word in words):
            # A tatweel, a mark or a direction mark alone folds to nothing, which every post would contain.
            raise InvalidInput(f"keyword {item!r} has a word made only of marks")
    return tuple(" ".join(words) for words in tagged)


def matches(post: Post, keyword: str) -> bool:
    """Whether ``post`` really matches ``keyword``, whatever the network's search returned.

    Every word of the keyword must appear in the text or title; a ``#tag``
    word must be one of the post's tags. Both sides are compared :func:`fold` ed.
    """
    return _matches(_folded(post), _fold_keyword(keyword))


def _folded(post: Post) -> tuple[str, frozenset[str]]:
    """The post's text and title, and its tags, :func:`fold` ed once for every keyword."""
    return fold(f"{post.text}\n{post.title or ''}"), frozenset(fold(tag) for tag in post.tags)


@dataclass(frozen=True)
class _FoldedKeyword:
    """A keyword's words as the filter compares them: :func:`fold` ed once, not again for every post (with
    1,500 keywords, folding them per post took milliseconds per post)."""

    words: tuple[str, ...]
    tags: tuple[str, ...]


def _fold_keyword(keyword: str) -> _FoldedKeyword:
    words = keyword.split()
    return _FoldedKeyword(
        words=tuple(fold(word) for word in words if not word.startswith("#")),
        tags=tuple(fold(word[1:]) for word in words if word.startswith("#")),
    )


def _matches(folded: tuple[str, frozenset[str]], keyword: _FoldedKeyword) -> bool:
    """Every word of ``keyword`` in the text or title, every tag word among the tags."""
    haystack, tags = folded
    # Plain loops, not all() over a generator (twice as slow): this runs for every keyword of every post.
    for tag in keyword.tags:
        if tag not in tags:
            return False
    for word in keyword.words:  # noqa: SIM110 - see above
        if word not in haystack:
            return False
    return True


def normalise_handle(account: str | Account, what: str) -> str:
    """An account's handle, without a leading ``@`` or the :data:`_INVISIBLE` characters (a handle copied
    from a right-to-left page carries direction marks), casefolded; ``InvalidInput`` if there is none."""
    handle = account.handle if isinstance(account, Account) else account
    if not isinstance(handle, str) or not (bare := handle.translate(_INVISIBLE).strip().lstrip("@").strip()):
        raise InvalidInput(f"{what} must be an account or a handle, got {account!r}")
    return bare.casefold()


def _same_account(a: str, b: str) -> bool:
    """``bob`` and ``bob@example.social`` are the same account when one of them names no server."""
    a, b = a.lstrip("@").casefold(), b.lstrip("@").casefold()
    if a == b:
        return True
    return ("@" not in a or "@" not in b) and a.split("@")[0] == b.split("@")[0]


@dataclass(frozen=True)
class Watch:
    """What a monitor looks for: a keyword, a mention of ``mentions_of``, a reply to ``replies_to``."""

    keywords: tuple[str, ...] = ()
    mentions_of: str | None = None
    replies_to: str | None = None
    #: :attr:`keywords` folded, once for the monitor (every post is compared with them).
    _folded_keywords: tuple[_FoldedKeyword, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_folded_keywords", tuple(_fold_keyword(k) for k in self.keywords))

    @property
    def tags(self) -> tuple[str, ...]:
        """The hashtags to follow when every keyword is one hashtag and nothing else is watched; else ().

        :func:`~decentsocial.text.normalise_tag` ed, as posts' tags are: "#café" typed decomposed
        follows the stream of the tag every network keeps, and with "#café" typed composed is one stream.
        """
        if self.mentions_of or self.replies_to or not self.keywords:
            return ()
        if all(len(k.split()) == 1 and k.startswith("#") for k in self.keywords):
            return tuple(dict.fromkeys(normalise_tag(k[1:]) for k in self.keywords))
        return ()

    def mentions(self, post: Post) -> bool:
        """Whether ``post`` mentions ``mentions_of`` (a parsed mention, or ``@handle`` in the text).

        The text is read with the SDK's own mention parser: a handle runs on
        through ``.`` and ``-`` (``@acme-shop``, ``@acme.corp``) and keeps its
        server (``@acme@other.example``), so those are other accounts.
        """
        if self.mentions_of is None:
            return False
        handles = (*post.mentions, *parsed_mentions(post.text))
        return any(_same_account(m, self.mentions_of) for m in handles)

    def wants(self, post: Post, parent_author: Callable[[Post], str | None]) -> bool:
        """Whether ``post`` is one to yield; ``parent_author`` reads who wrote the post it replies to."""
        if self.keywords:
            folded = _folded(post)
            if any(_matches(folded, k) for k in self._folded_keywords):
                return True
        if self.mentions(post) and not _same_account(post.author.handle, self.mentions_of or ""):
            return True  # an account naming itself (a reply's tags on Nostr) is not a mention
        if self.replies_to is None or post.reply_to is None:
            return False
        if _same_account(post.author.handle, self.replies_to):
            return False  # the brand answering itself is not engagement
        author = parent_author(post)
        return author is not None and _same_account(author, self.replies_to)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def _moment(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{where} is not a time")
    return utc(datetime.fromisoformat(value))


class NetCursor:
    """Where one connection stands: the newest post yielded and the ids yielded within the window before it.

    ``floor`` (from ``since``) keeps out anything older. ``horizon``: posts
    before it count as handled (they fell out of the window); posts at it
    or after it are new unless their id is in ``seen``.
    """

    def __init__(self, network: str, *, floor: datetime | None = None) -> None:
        self.network = network
        self.newest_id: str | None = None
        self.newest_at: datetime | None = None
        self.horizon: datetime | None = None
        self.floor = floor
        self.seen: OrderedDict[str, datetime] = OrderedDict()
        self._texts: dict[str, str] = {}

    @property
    def started(self) -> bool:
        """Whether this connection has a position (a baseline, or posts yielded)."""
        return self.newest_at is not None or self.horizon is not None or bool(self.seen)

    def is_new(self, post: Post) -> bool:
        """Whether ``post`` was not yielded (nor noted) before and is not older than the cursor's edge.

        A post dated further ahead than :data:`MAX_CLOCK_SKEW` is not new
        (yet): taken, it would move the cursor to its date and hide every
        real post until then.
        """
        if post.id in self.seen:
            return False
        if self.floor is not None and post.created_at < self.floor:
            return False
        if post.created_at > _now() + MAX_CLOCK_SKEW:
            return False
        return self.horizon is None or post.created_at >= self.horizon

    def note(self, post: Post) -> None:
        """Remember ``post`` as handled; forget what falls out of the window."""
        self.note_at(post.id, post.created_at)

    def note_at(self, post_id: str, created_at: datetime) -> None:
        """:meth:`note` by id and time (a cursor file's lines).

        A time ahead of this machine's clock counts as now for the position:
        the cursor never stands in the future, where it would hide the posts
        still to come. The id keeps the post's own time (up to
        :data:`MAX_CLOCK_SKEW` ahead), so it is forgotten only once the
        horizon has passed that time: kept under "now", a post dated a few
        minutes ahead fell out of the window while still inside it, and the
        next search yielded it again.
        """
        latest = _now()
        self.seen[post_id] = min(created_at, plus(latest, MAX_CLOCK_SKEW))
        created_at = min(created_at, latest)
        if self.newest_at is None or created_at >= self.newest_at:
            self.newest_at, self.newest_id = created_at, post_id
        edge = plus(self.newest_at, -SEEN_WINDOW)
        if self.horizon is None or edge > self.horizon:
            self.horizon = edge
        # Ids are kept in the order they were noted, which is about the order of time: forget from the front.
        while self.seen and next(iter(self.seen.values())) < self.horizon:
            self.seen.popitem(last=False)
        while len(self.seen) > SEEN_WINDOW_IDS:
            _, at = self.seen.popitem(last=False)
            # Never past the newest post's time: an id dated ahead of the clock must not move it there.
            self.horizon = max(self.horizon, plus(min(at, self.newest_at), timedelta(microseconds=1)))

    def settle(self, at: datetime) -> None:
        """Count everything up to the newest post noted as handled (a baseline: nothing before it is new).

        ``at`` is when the baseline was taken: with no post noted, it is the
        position, so a restart catches up from there instead of taking a new
        baseline that would swallow what came in between.
        """
        if self.newest_at is None:
            if self.horizon is None:
                self.horizon = at
            return
        if self.horizon is None or self.horizon < self.newest_at:
            self.horizon = self.newest_at
            self.seen = OrderedDict((k, at) for k, at in self.seen.items() if at >= self.newest_at)

    def _text(self, key: str, at: datetime) -> str:
        """``at`` in ISO 8601, written once per id (the file is written after every post)."""
        if len(self._texts) > 2 * SEEN_WINDOW_IDS:
            self._texts = {k: v for k, v in self._texts.items() if k in self.seen}
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = _iso(at)
        return text

    def to_json(self) -> dict[str, Any]:
        """The cursor as JSON values (times in ISO 8601, UTC)."""
        return {
            "network": self.network,
            "newest_id": self.newest_id,
            "newest_at": None if self.newest_at is None else _iso(self.newest_at),
            "horizon": None if self.horizon is None else _iso(self.horizon),
            "seen": [[key, self._text(key, at)] for key, at in self.seen.items()],
        }

    @classmethod
    def from_json(cls, data: Any) -> NetCursor:
        """A cursor read back; ``ValueError`` if ``data`` is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("network"), str):
            raise ValueError("an entry is not a network's position")
        cursor = cls(data["network"])
        newest_id = data.get("newest_id")
        if newest_id is not None and not isinstance(newest_id, str):
            raise ValueError("newest_id is not an id")
        cursor.newest_id = newest_id
        latest = _now()  # a position saved ahead of the clock (a post dated 2100) counts as now
        if data.get("newest_at") is not None:
            cursor.newest_at = min(_moment(data["newest_at"], "newest_at"), latest)
        if data.get("horizon") is not None:
            cursor.horizon = min(_moment(data["horizon"], "horizon"), latest)
        seen = data.get("seen")
        if not isinstance(seen, list):
            raise ValueError("seen is not a list")
        for item in seen:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                raise ValueError("a seen entry is not [id, time]")
            cursor.seen[item[0]] = _moment(item[1], "a seen time")
        return cursor


class CursorFile:
    """Every connection's :class:`NetCursor`, in one file: a snapshot line, then one line per post since.

    The first line is a JSON object holding every cursor (replaced
    atomically: a new file renamed over the old one). Each post yielded
    after it appends one JSON line (its connection, id and time), flushed
    at once, so a crash loses nothing yielded; every ``COMPACT_EVERY``
    posts, and when the monitor ends, the snapshot is written afresh. A
    torn line (a crash while appending) is ignored. Nothing is synced
    to disk per post: after a power cut the cursor may be a few posts
    behind, and those posts come again.

    Several monitors may share one file (two services, two tasks): each
    write holds the file's lock (``<file>.lock``, beside it), a snapshot
    keeps the other monitors' latest positions (read back from the file),
    and a line is appended to the file as it is now, never to one another
    monitor has just replaced. A file removed while the monitor runs is
    written afresh (a snapshot) at the next post.

    ``path=None`` keeps the cursors in memory only (a monitor without
    ``cursor=``). A file that exists but is not a cursor (not JSON, another
    format, an empty file) raises ``InvalidInput`` when it is loaded, before
    any network is asked anything; so does a new file that cannot be written
    where it is (it is written when loaded). A write that fails later is
    ``NetworkUnavailable``; so is a lock another monitor holds past
    :data:`~decentsocial.private_files.LOCK_WAIT` seconds (retryable).
    """

    #: Posts appended before the snapshot is written afresh.
    COMPACT_EVERY = 1_000

    def __init__(self, path: Path | None, cursors: dict[str, NetCursor] | None = None) -> None:
        self.path = path
        self.cursors: dict[str, NetCursor] = cursors or {}
        self._mine: set[str] = set()  # the connections this monitor moves; the others are read back
        self._journal: BinaryIO | None = None
        self._appended = 0

    @staticmethod
    def checked(path: str | Path | None) -> Path | None:
        """``path`` as a cursor's path, or ``InvalidInput``: the checks that need no file I/O."""
        if path is None:
            return None
        if not isinstance(path, (str, Path)) or not str(path).strip() or "\x00" in str(path):
            raise InvalidInput(f"cursor must be a file path, got {path!r}")  # a NUL: ValueError from os
        return home_path(path, "cursor", InvalidInput)

    @classmethod
    def load(cls, path: str | Path | None) -> CursorFile:
        """The cursors saved at ``path`` (none yet if the file does not exist)."""
        file = cls.checked(path)
        if file is None:
            return cls(None)
        try:
            is_dir, exists = file.is_dir(), file.exists()
        except OSError as exc:  # a name too long, a folder that may not be looked into: no place for it
            raise InvalidInput(f"cursor {str(file)!r} cannot be used ({exc.strerror or exc})") from None
        if is_dir:
            raise InvalidInput(f"cursor {str(file)!r} is a directory, not a cursor file")
        if not exists:
            made = cls(file)
            try:  # written at once (no cursor yet): a place it cannot be is said before a network is asked
                file.parent.mkdir(parents=True, exist_ok=True)
                made.save()
                made.close()
            except (OSError, NetworkUnavailable) as exc:
                why = exc.__cause__ if isinstance(exc, NetworkUnavailable) else exc
                if isinstance(why, TimeoutError):
                    raise  # another monitor holds the file: NetworkUnavailable, to try again
                raise InvalidInput(f"cursor {str(file)!r} cannot be written there ({why})") from None
            return made
        try:
            cursors = _read(file)
        except (OSError, ValueError, OverflowError, RecursionError) as exc:
            raise InvalidInput(f"{str(file)!r} is not a monitor cursor file: {exc}") from None
        return cls(file, cursors)

    def cursor(self, key: str, network: str, floor: datetime | None) -> NetCursor:
        """The cursor of the connection ``key``; a fresh one starts at ``floor`` (``since``).

        ``floor`` also applies to a cursor the file already holds: posts
        before ``since`` are never yielded, whatever the file says.
        """
        self._mine.add(key)
        if key not in self.cursors:
            self.cursors[key] = NetCursor(network, floor=floor)
            self.cursors[key].horizon = floor  # ``since`` is a position: a restart catches up from it
        elif floor is not None:
            self.cursors[key].floor = floor
        return self.cursors[key]

    def record(self, key: str, post: Post) -> None:
        """Keep that ``post`` (already noted in its cursor) was yielded: one line appended and flushed."""
        if self.path is None:
            return
        if self._journal is None or self._appended >= self.COMPACT_EVERY:
            self.save()
            return
        line = {"k": key, "n": self.cursors[key].network, "id": post.id, "at": _iso(post.created_at)}
        with self._failures(), self._locked():
            if not _same_file(self._journal, self.path):  # another monitor wrote a snapshot since, or removed
                self._journal.close()
                try:  # appended to as it is, never made here: a file made by appending has no format mark
                    self._journal = os.fdopen(os.open(self.path, os.O_RDWR | os.O_APPEND), "a+b")
                except FileNotFoundError:  # removed: a fresh snapshot in its place
                    self._journal = None
                    self._snapshot()
                    return
            self._journal.write(
                _after_torn(self._journal) + json.dumps(line, ensure_ascii=False).encode() + b"\n"
            )
            self._journal.flush()
        self._appended += 1

    @contextmanager
    def _failures(self) -> Iterator[None]:
        """The file system's refusal (a full disk, a folder removed) as ``NetworkUnavailable`` naming the
        file, as the SDK's other local stores report theirs once open; the cursor in memory is kept.

        Another monitor holding the file's lock past its wait is ``NetworkUnavailable`` too (retryable).
        """
        try:
            yield
        except TimeoutError as exc:
            raise NetworkUnavailable(
                f"the monitor cursor {self.path} is held by another monitor ({exc})", retryable=True
            ) from exc
        except OSError as exc:
            raise NetworkUnavailable(f"the monitor cursor {self.path} cannot be written ({exc})") from exc

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The file's lock, held by one monitor at a time (the folder is not made again if it is gone)."""
        assert self.path is not None
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"the folder {self.path.parent} is gone")
        with exclusive(self.path):
            yield

    def save(self) -> None:
        """Write the snapshot of every cursor (atomically: the old file or the new one); no-op in memory.

        The other monitors' entries are read back first (under the lock), so
        a snapshot never drops what another monitor sharing the file saved.
        """
        if self.path is None:
            return
        self.close()
        with self._failures(), self._locked():
            self._snapshot()

    def _snapshot(self) -> None:
        """:meth:`save` once the lock is held: the file replaced, then opened to append to."""
        assert self.path is not None
        self._merge_others()
        data = {"format": CURSOR_FORMAT, "networks": {k: c.to_json() for k, c in self.cursors.items()}}
        write_private_file(
            self.path, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        )
        self._journal = open(self.path, "a+b")  # noqa: SIM115 - kept open between posts, closed by close()
        self._appended = 0

    def _merge_others(self) -> None:
        """Take the file's entries for the connections this monitor does not move (another monitor's)."""
        assert self.path is not None
        try:
            on_disk = _read(self.path)
        except FileNotFoundError:
            return
        except (ValueError, OverflowError, RecursionError):
            return  # replaced by something that is not a cursor: this snapshot puts one back
        for key, cursor in on_disk.items():
            if key not in self._mine:
                self.cursors[key] = cursor

    def close(self) -> None:
        """Close the file appended to (the cursors stay usable; the next save opens it again)."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None


def _after_torn(journal: BinaryIO) -> bytes:
    """A newline if the file ends in a torn line (another monitor died while appending), so the line
    appended next stands on its own instead of finishing the torn one."""
    if journal.seek(0, os.SEEK_END) == 0:
        return b""
    journal.seek(-1, os.SEEK_END)  # appends still go to the end: the file is open to append
    return b"" if journal.read(1) == b"\n" else b"\n"


def _same_file(journal: BinaryIO, path: Path) -> bool:
    """Whether ``journal`` is still the file at ``path`` (not one replaced by another monitor's snapshot)."""
    try:
        return os.path.samestat(os.fstat(journal.fileno()), os.stat(path))
    except FileNotFoundError:
        return False


#: The largest cursor file read: its snapshot and the lines of up to ``COMPACT_EVERY`` posts since.
MAX_CURSOR_FILE_BYTES = 256 * 1024 * 1024


def _read(file: Path) -> dict[str, NetCursor]:
    """The cursors of a cursor file: its snapshot, then its lines; ``ValueError`` if it is not one.

    Each line is decoded on its own, so a torn line (a crash in the middle
    of a character too) is ignored, also when another monitor sharing the
    file appended after it.
    """
    data = read_small_file(file, MAX_CURSOR_FILE_BYTES)  # a pipe or a device there: OSError, not a hang
    if data is None:
        raise FileNotFoundError(errno.ENOENT, "no cursor file", str(file))
    lines = data.split(b"\n")
    data = json.loads(lines[0].decode("utf-8"))
    if not isinstance(data, dict) or data.get("format") != CURSOR_FORMAT:
        raise ValueError(f"it has no {CURSOR_FORMAT!r} format mark")
    entries = data.get("networks")
    if not isinstance(entries, dict):
        raise ValueError("it has no networks")
    cursors = {str(key): NetCursor.from_json(value) for key, value in entries.items()}
    for line in lines[1:]:
        if line.strip():
            _replay(cursors, line)
    return cursors


def _replay(cursors: dict[str, NetCursor], line: bytes) -> None:
    """Apply one appended line; a torn line (a monitor that died while appending) is ignored."""
    try:
        entry = json.loads(line.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError too: a line cut inside a character
        return  # the first line's format mark says the file is a cursor: only a torn write is not JSON
    if not (isinstance(entry, dict) and isinstance(entry.get("k"), str) and isinstance(entry.get("n"), str)):
        raise ValueError("a line after the first is not a cursor entry")
    cursor = cursors.setdefault(entry["k"], NetCursor(entry["n"]))
    if not isinstance(entry.get("id"), str):
        raise ValueError("a cursor entry has no post id")
    cursor.note_at(entry["id"], _moment(entry.get("at"), "a cursor entry's time"))
