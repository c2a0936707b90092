"""Platform-neutral models: what every backend reads into and writes from.

All models are frozen pydantic v2 models. Datetimes are always tz-aware UTC (naive input is taken as
UTC, as Hive and Steem send it). ``raw`` keeps the network's own JSON payload, as the backend received
it, as an escape hatch; backends store it in a JSON-compatible form so that
``Model.model_validate_json(m.model_dump_json())`` gives back an equal model. ``raw`` is a plain dict,
not deep-frozen (treat it as read-only), and takes no part in hashing: ``Post``, ``Account``,
``Community``, ``Notification`` and ``Message`` hash by their identity (type, ``network``, ``id``),
consistently with equality, so they go into sets and serve as dict keys; a ``Draft`` hashes by every
field but ``options`` (a dict, as ``raw``).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from datetime import datetime
from decimal import Context, Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, Field, model_serializer, model_validator
from pydantic_core import to_json

from .errors import ContentRejected, InvalidInput

# The bases (model_base) and their helpers, importable from here as before they moved.
from .model_base import _BUILDERS as _BUILDERS
from .model_base import _M as _M
from .model_base import _REQUIRED as _REQUIRED
from .model_base import _TEMPLATES as _TEMPLATES
from .model_base import _brief as _brief
from .model_base import _identity_hash, _Input, _Model
from .model_base import _new_object as _new_object
from .model_base import _set_extra as _set_extra
from .model_base import _set_fields_set as _set_fields_set
from .model_base import _set_private as _set_private
from .model_base import _set_state as _set_state
from .model_base import _slot_setter as _slot_setter
from .model_base import _template as _template
from .model_base import describe_validation_error as describe_validation_error
from .text import is_blank, lone_surrogate_at, normalise_tag, nul_at
from .timestamps import parse_iso_datetime, utc

__all__ = [
    "Account",
    "Amount",
    "Beneficiary",
    "Community",
    "Draft",
    "Engagement",
    "LinkCard",
    "Media",
    "Message",
    "Notification",
    "NotificationKind",
    "PayoutOptions",
    "Poll",
    "Post",
    "Reward",
    "RewardPart",
    "RewardStatus",
    "Visibility",
    "as_draft",
    "parse_iso_datetime",
    "utc",
]


UTCDateTime = Annotated[datetime, AfterValidator(utc)]
Raw = dict[str, Any] | None
Visibility = Literal["public", "unlisted", "followers", "direct"]
VISIBILITIES: tuple[str, ...] = ("public", "unlisted", "followers", "direct")
RewardStatus = Literal["pending", "paid", "claimable", "none"]
NotificationKind = Literal["mention", "reply", "like", "repost", "quote", "follow", "reward", "zap", "other"]


# ---------------------------------------------------------------- amounts

#: ``<number> <ASSET>``; the number may have the exponent ``str(Decimal)`` writes (``1E+3``, ``0E-8``),
#: which earlier versions wrote into JSON and stores, and no other (``1e5`` stays malformed).
_AMOUNT_RE = re.compile(
    r"^\s*(?P<value>-?[0-9]+(?:\.[0-9]+)?(?:E(?P<exp>[+-][0-9]+))?)\s+(?P<asset>[A-Za-z][A-Za-z0-9_.-]*)\s*$"
)
#: Digits an amount may have before its point, and after it: written out in fixed point (as
#: ``str()`` and JSON write it) an amount stays short, whatever exponent it was given with.
MAX_AMOUNT_DIGITS = 40
#: Sums and differences of amounts within those bounds, exactly (they need at most 82 digits).
_EXACT = Context(prec=2 * MAX_AMOUNT_DIGITS + 2)


def _check_size(value: Decimal, asset: str) -> None:
    """``InvalidInput`` for a finite value of over ``MAX_AMOUNT_DIGITS`` digits before or after its point."""
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    whole = value.adjusted() + 1  # a zero's too, by its exponent: 0E+50 would be 51 digits
    if whole > MAX_AMOUNT_DIGITS or places > MAX_AMOUNT_DIGITS:
        raise InvalidInput(
            f"amount of {asset[:40]} has {max(whole, 0)} digits before the point and {places} after; "
            f"at most {MAX_AMOUNT_DIGITS} of each"
        )


class Amount(_Input):
    """An exact, non-negative quantity of one asset: ``Amount.parse("1.000 HBD")``.

    The value is a ``Decimal`` that keeps its precision, and ``str()`` writes
    it in fixed point with its places (``"0.00000000 BTC"``, never
    ``"0E-8 BTC"``), so what was parsed comes back exactly and JSON reads back
    what it wrote. The parser also reads the exponent form earlier versions
    wrote (``"1E+3 HBD"`` is ``"1000 HBD"``). At most ``MAX_AMOUNT_DIGITS``
    (40) digits before the point and 40 after, or ``InvalidInput``.
    Arithmetic works only between equal assets, and is exact.
    """

    value: Decimal
    asset: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$")  # what ``parse`` reads back, no other

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return cls._split(data)
        return data

    @model_validator(mode="after")
    def _check(self) -> Amount:
        if not self.value.is_finite():
            raise InvalidInput(f"amount must be a finite number, got {self.value}")
        if self.value < 0:
            raise InvalidInput(f"amount must not be negative, got {self.value} {self.asset}")
        _check_size(self.value, self.asset)
        return self

    @staticmethod
    def _split(text: str) -> dict[str, Any]:
        match = _AMOUNT_RE.match(text)
        if not match:
            raise InvalidInput(f"malformed amount {text!r}: expected '<number> <ASSET>', e.g. '1.000 HIVE'")
        number = match["value"]
        try:
            value = Decimal(number)
        except InvalidOperation:  # an exponent past what a Decimal holds
            raise InvalidInput(f"amount {text[:100]!r} is out of range") from None
        if match["exp"] is not None or len(number) > MAX_AMOUNT_DIGITS:  # else short enough already
            _check_size(value, match["asset"])
        return {"value": value, "asset": match["asset"]}

    @classmethod
    def parse(cls, text: str | Amount) -> Amount:
        """Parse ``"1.000 HBD"``; an ``Amount`` is returned as it is."""
        if isinstance(text, Amount):
            return text
        if not isinstance(text, str):
            raise InvalidInput(f"amount must be a string like '1.000 HIVE', got {type(text).__name__}")
        parts = cls._split(text)
        if cls is not Amount or parts["value"] < 0:  # a subclass's validators, or the error: validated
            return cls(**parts)
        # What validation would build, without running it (a Hive answer parses a few a post): the
        # pattern admits digits only (a finite Decimal), ``_split`` checked the size, and its asset
        # is the field's pattern.
        return cls._trusted(parts)

    @classmethod
    def zero(cls, asset: str, places: int = 3) -> Amount:
        return cls(value=Decimal(0).scaleb(-places), asset=asset)

    def _same(self, other: object) -> Amount:
        if not isinstance(other, Amount):
            raise TypeError(f"cannot combine Amount with {type(other).__name__}")
        if other.asset != self.asset:
            raise InvalidInput(f"cannot combine {self.asset} with {other.asset}")
        return other

    def __add__(self, other: object) -> Amount:
        # Two amounts validated already: their exact sum is finite, not negative, and has their places;
        # only its whole digits can outgrow the bound.
        total = _EXACT.add(self.value, self._same(other).value)
        if total.adjusted() >= MAX_AMOUNT_DIGITS:
            _check_size(total, self.asset)
        return Amount._trusted({"value": total, "asset": self.asset})

    def __sub__(self, other: object) -> Amount:
        return Amount(value=_EXACT.subtract(self.value, self._same(other).value), asset=self.asset)

    def __lt__(self, other: object) -> bool:
        return self.value < self._same(other).value

    def __le__(self, other: object) -> bool:
        return self.value <= self._same(other).value

    def __str__(self) -> str:
        return f"{self.value:f} {self.asset}"

    @model_serializer(mode="plain", when_used="json")
    def _to_json(self) -> str:
        return str(self)


# ---------------------------------------------------------------- people and places


class Account(_Model):
    """A person, brand or bot on one network."""

    _repr_fields = ("network", "handle", "display_name", "followers")
    __hash__ = _identity_hash

    def _repr_html_(self) -> str:
        """A compact card for Jupyter; every value escaped, so a profile's markup never runs."""
        from .display import account_html

        return account_html(self)

    network: str
    id: str
    handle: str
    display_name: str | None = None
    url: str | None = None
    bio: str | None = None
    avatar_url: str | None = None
    followers: int | None = None
    following: int | None = None
    posts_count: int | None = None
    created_at: UTCDateTime | None = None
    bot: bool | None = None
    raw: Raw = None


class Community(_Model):
    """A group, community or list that posts can be published into."""

    _repr_fields = ("network", "id", "title", "members")
    __hash__ = _identity_hash

    network: str
    id: str
    name: str
    title: str | None = None
    description: str | None = None
    members: int | None = None
    url: str | None = None
    raw: Raw = None


class Engagement(_Model):
    """Counts as the network reports them; ``None`` where it does not say."""

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None
    shares: int | None = None


class RewardPart(_Model):
    """Who received (or will receive) what share of a reward."""

    role: str  # "author", "curator", "beneficiary", "tipper", "claim"…
    account: str
    amounts: tuple[Amount, ...] = ()


class Reward(_Model):
    """What a post earned or will earn, or what an account can claim."""

    _repr_fields = ("network", "subject", "status", "amounts", "payout_at")

    def _repr_html_(self) -> str:
        """A compact line for Jupyter, escaped."""
        from .display import reward_html

        return reward_html(self)

    network: str
    subject: str
    status: RewardStatus
    amounts: tuple[Amount, ...] = ()
    payout_at: UTCDateTime | None = None
    parts: tuple[RewardPart, ...] = ()
    raw: Raw = None

    def total(self, asset: str) -> Amount | None:
        """The amount of ``asset`` in this reward, or ``None``."""
        for amount in self.amounts:
            if amount.asset == asset:
                return amount
        return None


class Media(_Input):
    """An image, video or other attachment: its bytes (``path`` or ``data``), a public ``url``, or both.

    Networks that upload (Mastodon, Bluesky, the sandbox) send the bytes; networks that fetch or link
    media by URL (Threads, Hive/Steem) use the URL. Give both, the file and the address where the same
    file is public, and one ``Media`` goes to every kind of network in one crosspost. A network that
    needs what the ``Media`` lacks rejects it with ``ContentRejected`` before anything is written.
    """

    kind: Literal["image", "video", "gif", "audio", "other"] = "image"
    path: Path | None = None
    data: bytes | None = None
    url: str | None = None
    mime_type: str | None = None
    alt_text: str | None = None
    width: int | None = None
    height: int | None = None

    @model_validator(mode="after")
    def _sources(self) -> Media:
        if self.path is not None and self.data is not None:
            raise InvalidInput("Media takes its bytes from path or data, not both")
        if self.path is None and self.data is None and self.url is None:
            raise InvalidInput("Media needs its bytes (path or data), a url, or both")
        if self.path is not None:
            try:  # a draft is kept as JSON (a job, an idempotency digest): such a name cannot be
                str(self.path).encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidInput(
                    f"the media file {os.fsencode(self.path)!r} has a name that is not valid UTF-8 "
                    "(written in another encoding, e.g. unpacked from an old zip): rename it"
                ) from None
            if (at := nul_at(str(self.path))) is not None:  # no file has one: os.stat raises ValueError
                raise InvalidInput(f"the media file name {str(self.path)!r} holds a NUL character at {at}")
        return self

    @property
    def has_bytes(self) -> bool:
        """Whether there are bytes to upload (``path`` or ``data``), whatever ``url`` says."""
        return self.path is not None or self.data is not None

    def byte_size(self, *, network: str | None = None) -> int | None:
        """The bytes to upload, counted without reading them: ``len(data)``, or the file's size.

        ``None`` if unknown now: a URL only, or a file that cannot be looked at (missing: publishing
        says so). A path to no regular file (a directory, FIFO, device) is ``ContentRejected``."""
        if self.data is not None:
            return len(self.data)
        try:
            return None if self.path is None else self._regular(os.stat(self.path), network)
        except OSError:
            return None

    def read_bytes(self, max_bytes: int | None = None, *, network: str | None = None) -> bytes:
        """The media's bytes (from ``data`` or ``path``); a URL is not fetched.

        A path must be a regular file (a FIFO or a device could block or never end). Over
        ``max_bytes`` is ``ContentRejected``, from a file's size before it is read (at most
        ``max_bytes + 1`` bytes are read); ``network`` is named in the errors.
        """
        if self.data is None and self.path is None:
            raise ContentRejected("media given by URL has no local bytes to upload", network=network)
        data = self.data if self.data is not None else self._read_file(max_bytes, network)
        if max_bytes is not None and len(data) > max_bytes:
            raise self._too_big(len(data), max_bytes, network)
        return data

    def _read_file(self, max_bytes: int | None, network: str | None) -> bytes:
        path = str(self.path)
        try:  # not blocking on a FIFO nobody writes to; no newline translation on Windows
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
            try:
                size = self._regular(os.fstat(fd), network)
                if max_bytes is not None and size > max_bytes:
                    raise self._too_big(size, max_bytes, network)
                with open(fd, "rb", closefd=False) as file:
                    return file.read() if max_bytes is None else file.read(max_bytes + 1)
            finally:
                os.close(fd)
        except OSError as exc:
            raise ContentRejected(
                f"cannot read media file {path!r}: {exc.strerror}", network=network
            ) from exc

    def _regular(self, info: os.stat_result, network: str | None) -> int:
        """The size of a regular file; ``ContentRejected`` for anything else (no upload can hold it)."""
        if not stat.S_ISREG(info.st_mode):
            raise ContentRejected(
                f"media file {str(self.path)!r} is not a regular file (a directory, FIFO or device)",
                network=network,
            )
        return info.st_size

    def _too_big(self, size: int, max_bytes: int, network: str | None) -> ContentRejected:
        what = "data" if self.path is None else f"file {str(self.path)!r}"
        whose = f"{network}'s" if network else "the"
        message = f"media {what} is {size:,} bytes, over {whose} limit of {max_bytes:,} bytes"
        return ContentRejected(message, network=network)


class Post(_Model):
    """A post, note, status, comment or thread entry on one network."""

    _repr_fields = ("network", "id", "author", "text", "created_at")
    __hash__ = _identity_hash

    def _repr_html_(self) -> str:
        """A compact card for Jupyter; the text is escaped, so a post's HTML or script never runs."""
        from .display import post_html

        return post_html(self)

    network: str
    id: str
    url: str | None = None
    author: Account
    text: str
    title: str | None = None
    created_at: UTCDateTime
    edited_at: UTCDateTime | None = None
    reply_to: str | None = None
    root_id: str | None = None
    quote_of: str | None = None
    tags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    media: tuple[Media, ...] = ()
    community: str | None = None
    language: str | None = None
    content_warning: str | None = None
    visibility: Visibility | None = None
    reposted_by: Account | None = None
    metrics: Engagement = Engagement()
    reward: Reward | None = None
    raw: Raw = None

    @model_validator(mode="before")
    @classmethod
    def _normalise_tags(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("tags"):
            data = dict(data)
            data["tags"] = normalise_tags(data["tags"])
        return data


class Notification(_Model):
    """Something that happened to the account: a mention, reply, like, follow, reward…"""

    _repr_fields = ("network", "kind", "account", "post", "created_at")
    __hash__ = _identity_hash

    network: str
    id: str
    kind: NotificationKind
    created_at: UTCDateTime
    account: Account | None = None
    post: Post | None = None
    amount: Amount | None = None
    read: bool | None = None
    raw: Raw = None


class Message(_Model):
    """A direct (private) message: customer care, one account to another.

    ``conversation_id`` groups the messages of one exchange as the network does (a Mastodon
    conversation, the set of Nostr participants, a sandbox pair of accounts). ``raw`` keeps what the
    network sent; on Nostr that is the decrypted rumor. The repr never shows the text (messages are
    private, and reprs end up in logs).
    """

    _repr_fields = ("network", "id", "sender", "created_at")
    __hash__ = _identity_hash

    network: str
    id: str
    sender: Account
    recipients: tuple[Account, ...] = ()
    text: str
    created_at: UTCDateTime
    conversation_id: str | None = None
    raw: Raw = None


# ---------------------------------------------------------------- drafts


class Beneficiary(_Input):
    """A share of a post's author reward routed to another account (Hive/Steem)."""

    account: str = Field(min_length=1)
    percent: Decimal = Field(gt=0, le=100)


class PayoutOptions(_Input):
    """Hive/Steem payout settings for a new post."""

    max_accepted_payout: Amount | None = None
    percent_backed: Decimal = Field(default=Decimal(50), ge=0, le=100)  # % paid in HBD/SBD
    decline: bool = False


class Poll(_Input):
    """A poll to attach to a post (Mastodon)."""

    options: tuple[str, ...]
    expires_in: int = Field(default=86400, gt=0)  # seconds
    multiple: bool = False
    hide_totals: bool = False

    _sequences: ClassVar[tuple[str, ...]] = ("options",)

    @model_validator(mode="after")
    def _enough(self) -> Poll:
        if len(self.options) < 2:
            raise InvalidInput(f"a poll needs at least 2 options, got {len(self.options)}")
        return self


class LinkCard(_Input):
    """A link preview the network shows under the post (Bluesky external embed, Threads link)."""

    url: str
    title: str | None = None
    description: str | None = None
    thumbnail: Media | None = None


class Draft(_Input):
    """What to publish. A network carries each field or refuses the draft: none is dropped unseen.

    ``idempotency_key`` makes a publish exactly-once across retries and processes: the same key never
    creates a second post. ``options`` carries network-specific settings keyed by option name (for
    instance ``{"topic_tag": "marketing"}`` on Threads); networks ignore options they do not know.
    Every string it holds (text, title, alt text, poll options, options…) is checked when it is built:
    a lone surrogate or a NUL character (U+0000) is ``InvalidInput`` naming the field and position.
    """

    text: str = ""
    media: tuple[Media, ...] = ()
    reply_to: str | None = None
    quote_of: str | None = None
    tags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    language: str | None = None
    content_warning: str | None = None
    sensitive: bool = False
    visibility: str | None = None  # a Visibility; checked below so a typo is InvalidInput
    community: str | None = None
    title: str | None = None
    beneficiaries: tuple[Beneficiary, ...] = ()
    payout: PayoutOptions | None = None
    poll: Poll | None = None
    link: LinkCard | None = None
    scheduled_at: UTCDateTime | None = None
    idempotency_key: str | None = None
    options: Mapping[str, Any] = Field(default_factory=dict)

    _sequences: ClassVar[tuple[str, ...]] = ("media", "tags", "mentions", "beneficiaries")

    def __hash__(self) -> int:  # pydantic's (every field) fails on the dict ``options``; equal drafts agree
        return hash((type(self), *(v for k, v in self.__dict__.items() if k != "options")))

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("tags"):
            data = dict(data)
            data["tags"] = normalise_tags(data["tags"])
        return data

    @model_validator(mode="after")
    def _not_empty(self) -> Draft:
        if self.visibility is not None and self.visibility not in VISIBILITIES:
            raise InvalidInput(
                f"unknown visibility {self.visibility!r}; use one of {', '.join(VISIBILITIES)}"
            )
        for field in type(self).model_fields:  # every string, nested ones too (poll, media, link)
            _check_strings(field, getattr(self, field))
        if self.options:  # kept as JSON by idempotency records and job stores
            try:
                to_json(self.options, bytes_mode="base64")  # as the model writes bytes
            except ValueError as exc:
                raise InvalidInput(f"options must hold JSON values: {str(exc)[:200]}") from None
        if is_blank(self.text) and not self.media and self.poll is None:
            raise ContentRejected("a post needs text or media; this draft has neither")
        total = sum(b.percent for b in self.beneficiaries)
        if total > 100:
            raise ContentRejected(f"beneficiaries add up to {total}%, more than 100%")
        return self

    @property
    def all_tags(self) -> tuple[str, ...]:
        """Every tag the post carries, in one order for every network: hashtags in the text
        first (as they appear), then ``tags`` not already there; :func:`normalise_tags` ed, without ``#``."""
        from .text import hashtags

        return normalise_tags((*hashtags(self.text), *self.tags))

    def with_text(self, text: str, **changes: Any) -> Draft:
        """A copy with other text (used when a network splits a draft into a thread)."""
        return self.model_copy(update={"text": text, **changes})


def _check_unicode(name: str, value: str | None) -> None:
    """Refuse text no network can send: a lone surrogate (half an emoji, e.g. from a bad slice
    of UTF-16 data) cannot be encoded, and would fail deep inside a request instead of here; a NUL
    character is refused by the servers that keep text in PostgreSQL, only when the post is sent
    (a scheduled one hours later)."""
    at = None if value is None else lone_surrogate_at(value)
    if at is not None:
        raise InvalidInput(
            f"{name} is not valid Unicode: a lone surrogate at character {at} "
            f"(half of a character, e.g. from cutting an emoji in two)"
        )
    at = None if value is None else nul_at(value)
    if at is not None:
        raise InvalidInput(
            f"{name} holds a NUL character (U+0000) at character {at}, which networks refuse "
            f"(e.g. from a UTF-16 file read as UTF-8: save it as UTF-8)"
        )


def _check_strings(name: str, value: Any) -> None:
    """:func:`_check_unicode` of every string in ``value``: nested models' fields, sequences, sets and
    mappings (keys too). A file's path is checked by ``Media``, and bytes are no text."""
    if isinstance(value, str):
        _check_unicode(name, value)
    elif isinstance(value, BaseModel):
        for field in type(value).model_fields:
            _check_strings(f"{name}.{field}", getattr(value, field))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check_strings(f"{name} key", key)
            _check_strings(name, item)
    elif isinstance(value, (tuple, list, set, frozenset)):
        for item in value:
            _check_strings(name, item)


def normalise_tags(tags: Any) -> tuple[str, ...]:
    """Strip ``#`` and spaces, :func:`~decentsocial.text.normalise_tag` (NFC, lower-case), drop empties
    and duplicates, keep order: "Café" and "cafe" + U+0301 are one tag.

    Normalising again changes nothing ("# Tag" is "tag", not " tag"), so a
    post validated once more (``model_validate_json(post.model_dump_json())``)
    keeps its tags. ``InvalidInput`` for anything but a list or tuple of strings
    (a number is no tag, and ``None`` must not become the tag "none").
    """
    if not isinstance(tags, (list, tuple)):
        raise InvalidInput(f"tags must be a list or tuple of strings, not {type(tags).__name__}")
    seen: dict[str, None] = {}
    for tag in tags:
        if not isinstance(tag, str):
            raise InvalidInput(f"each tag must be a string, not {type(tag).__name__}")
        clean = tag.strip()
        if clean.startswith("#"):  # "# # #t" is "t": the run cut at once (not run by run)
            clean = re.sub(r"\A#[#\s]*", "", clean, count=1)
        clean = normalise_tag(clean)
        if clean:
            seen.setdefault(clean, None)
    return tuple(seen)


def as_draft(draft: Draft | str) -> Draft:
    """Accept a plain string wherever a ``Draft`` is expected."""
    if isinstance(draft, Draft):
        return draft
    if isinstance(draft, str):
        return Draft(text=draft)
    raise InvalidInput(f"expected a Draft or str, got {type(draft).__name__}")
