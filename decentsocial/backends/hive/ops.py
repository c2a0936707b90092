"""Hive/Steem operations as plain JSON, built from drafts and validated before anything is signed.

beem does no protocol validation (a vote weight of 20000 goes through), so
the rules hived enforces are checked here: vote weights, tags, titles,
beneficiaries (sorted, unique, at most 100 % in total), payout options,
memos and asset names. Every failure is a typed error raised before signing
or any I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import unicodedata
from datetime import datetime, timezone
from decimal import Decimal, DecimalException, InvalidOperation, localcontext
from typing import Any

from ...errors import ContentRejected, InvalidInput
from ...models import Amount, Beneficiary, Draft, PayoutOptions, normalise_tags
from ...text import entities, truncate, utf8_len
from ...urls import web_link
from .chain import Chain, check_account, check_community, check_permlink

__all__ = [
    "OpJson",
    "body_text",
    "check_comment",
    "claim_op",
    "comment_ops",
    "custom_json_op",
    "new_permlink",
    "text_room",
    "title_of",
    "transfer_op",
    "vote_weight",
]

OpJson = list[Any]  # ["vote", {...}]

_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")
#: Beneficiaries one post may have: a node refuses more than HIVE_MAX_COMMENT_BENEFICIARIES (8) in a
#: transaction it is handed (hived's comment_options evaluator; Steem's witnesses hold to the same 8).
#: The 127 of the operation's own check (HIVE_BENEFICIARY_LIMIT) is no limit a broadcast can use.
BENEFICIARY_LIMIT = 8
#: hived refuses a transaction over 64 KiB (HIVE_MAX_TRANSACTION_SIZE).
MAX_TRANSACTION_BYTES = 65_536
#: What a comment's transaction holds besides its title, body, metadata and beneficiaries, at most:
#: parent and own author and permlink (16 + 256 bytes each), the payout options, TaPoS, a signature.
TRANSACTION_OVERHEAD = 1_024
#: Each beneficiary in ``comment_options``: an account name (up to 16 bytes and its length) and a weight.
BENEFICIARY_BYTES = 19
MAX_TAGS = 10
TITLE_LIMIT = 255


def vote_weight(weight: float, network: str) -> int:
    """Percent (−100…100) → hived's basis points (−10000…10000)."""
    if isinstance(weight, bool) or not isinstance(weight, (int, float, Decimal)):
        raise InvalidInput(f"vote weight must be a number of percent, got {weight!r}", network=network)
    try:
        value = Decimal(str(weight))
    except InvalidOperation as exc:
        raise InvalidInput(f"vote weight must be a number, got {weight!r}", network=network) from exc
    if not value.is_finite() or not Decimal(-100) <= value <= Decimal(100):
        raise InvalidInput(f"vote weight must be between -100 and 100 percent, got {weight}", network=network)
    points = int((value * 100).to_integral_value())
    if points == 0 and value != 0:  # weight 0 removes a vote: never the result of rounding
        raise InvalidInput(f"vote weight {weight}% is below hived's step of 0.01%", network=network)
    return points


# ---------------------------------------------------------------- permlinks


def slug(text: str, max_len: int = 60) -> str:
    """Lower-case ASCII words joined by '-' (what front ends make of a title)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:max_len].strip("-")


def new_permlink(title: str, *, idempotency_key: str | None, parent_author: str | None = None) -> str:
    """Collision-free permlink: a time stamp and random part, or a hash of the caller's idempotency key.

    The same idempotency key always gives the same permlink, so publishing
    the same draft again edits the post instead of creating a second one.
    """
    if idempotency_key:
        suffix = hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
    else:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dt%H%M%S")
        suffix = f"{stamp}-{secrets.token_hex(3)}"
    head = slug(title, 60) or "post"
    if parent_author:
        head = f"re-{parent_author.replace('.', '-')}-{head}"[:120]
    return check_permlink(f"{head}-{suffix}", "hive", existing=False)


# ---------------------------------------------------------------- comments


def title_of(draft: Draft) -> str:
    """``Draft.title``, or the first line of the text."""
    if draft.title is not None:
        return draft.title.strip()
    first = draft.text.strip().splitlines()[0] if draft.text.strip() else ""
    # hived counts the title in bytes; cut on a grapheme boundary (a letter keeps its marks).
    return truncate(first.lstrip("#").strip(), TITLE_LIMIT, measure=utf8_len, ellipsis="").strip()


def _tags(draft: Draft, network: str) -> list[str]:
    """``Draft.all_tags`` as Hive takes them, the category first.

    The category (the first tag, the post's ``parent_permlink``) is the
    community when there is one, else the first of ``Draft.tags``, else the
    first hashtag. Hashtags in the text that are no valid Hive tag stay in
    the text only; ``Draft.tags`` were asked for, so an invalid one is refused.
    """
    if draft.community:  # Hivemind would file it under a tag, in no community
        check_community(draft.community, network)
    explicit = normalise_tags(draft.tags)
    tags = [t for t in draft.all_tags if t in explicit or _TAG.match(t)]
    category = draft.community or (explicit[0] if explicit else None)
    if category:
        tags = [category, *(t for t in tags if t != category)]
    if len(tags) > MAX_TAGS:
        raise ContentRejected(f"{network} takes at most {MAX_TAGS} tags, got {len(tags)}", network=network)
    for tag in tags:
        if not _TAG.match(tag):
            raise ContentRejected(
                f"invalid {network} tag {tag!r}: lower-case letters, digits and '-'", network=network
            )
    return tags


def beneficiaries_json(beneficiaries: tuple[Beneficiary, ...], network: str) -> list[dict[str, Any]]:
    """Sorted, unique, whole basis points, at most 100 % in total (hived's rules)."""
    if len(beneficiaries) > BENEFICIARY_LIMIT:
        raise ContentRejected(
            f"{network} takes at most {BENEFICIARY_LIMIT} beneficiaries on a post, got {len(beneficiaries)}",
            network=network,
        )
    weights: dict[str, int] = {}
    for b in beneficiaries:
        name = check_account(b.account, network, what="beneficiary account")
        if name in weights:
            raise ContentRejected(f"beneficiary {name} is listed twice", network=network)
        points = b.percent * 100
        if points != points.to_integral_value() or points <= 0:
            raise ContentRejected(
                f"beneficiary share {b.percent}% is not a whole number of basis points (0.01%)",
                network=network,
            )
        weights[name] = int(points)
    if sum(weights.values()) > 10000:
        raise ContentRejected(
            f"beneficiaries add up to {sum(weights.values()) / 100}%, more than 100%", network=network
        )
    return [{"account": a, "weight": weights[a]} for a in sorted(weights)]


#: hived refuses an asset amount above HIVE_MAX_SATOSHIS (2^62 - 1 in the smallest unit).
MAX_SATOSHIS = 2**62 - 1
#: Digits an amount may be written with (hived's largest amount has 19); more is no amount.
MAX_DIGITS = 40


def _amount_str(amount: Amount, allowed: tuple[str, ...], network: str, places: int = 3) -> str:
    """``"1.000 HIVE"``: the asset allowed, at most ``places`` decimals, within hived's range."""
    if amount.asset not in allowed:
        raise InvalidInput(
            f"{network} amounts are in {' or '.join(allowed)}, got {amount.asset}", network=network
        )
    value = amount.value
    try:
        sign, digits, exponent = value.as_tuple()
        if not value.is_finite() or not isinstance(exponent, int):
            raise InvalidInput(f"amount must be a finite number, got {value}", network=network)
        if sign and value.is_zero():
            raise InvalidInput(f"amount {value} is negative zero", network=network)
        if value < 0 or value.scaleb(places) > MAX_SATOSHIS:
            raise InvalidInput(
                f"{value} {amount.asset} is outside the chain's range of amounts", network=network
            )
        # Within the range, an amount is at most 19 digits before the point: anything longer is
        # decimals, and ``quantize`` below runs in a context wide enough to be exact.
        if len(digits) > MAX_DIGITS or exponent < -MAX_DIGITS:
            raise InvalidInput(f"{value} has more than {places} decimal places", network=network)
        with localcontext() as ctx:
            ctx.prec = 2 * MAX_DIGITS
            quantum = Decimal(1).scaleb(-places)
            exact = value.quantize(quantum)
            if value != exact:
                raise InvalidInput(f"{amount} has more than {places} decimal places", network=network)
            return f"{exact} {amount.asset}"
    except DecimalException as exc:  # never reached with the checks above; typed all the same
        raise InvalidInput(f"amount {value} cannot be written on the chain", network=network) from exc


def check_comment(
    draft: Draft, chain: Chain, *, reply: bool, app: str = "decentsocial"
) -> tuple[list[str], str, list[str]]:
    """The rules hived applies to a comment that the draft alone decides, checked before any signing.

    Tags (at most 10, each valid), the title (a post needs one, at most 255
    bytes; a reply has none: a ``Draft.title`` for one is ``ContentRejected``),
    media linked by URL (a file cannot be), beneficiaries and payout options,
    and the transaction's size (the body with its image links, the metadata).
    ``check_draft`` runs it, so planning refuses what publishing would;
    :func:`comment_ops` builds on what it returns: the tags (the category
    first), the title and the images' URLs.
    """
    network = chain.network
    tags = _tags(draft, network)
    if reply and draft.title is not None and draft.title.strip():
        # hived would take it, but a reply's title is left blank (condenser, the developer portal)
        # and no front end shows one: refused, rather than sent where nobody reads it or dropped.
        raise ContentRejected(
            f"a {network} reply has no title (front ends leave it blank and show none); "
            "leave Draft.title out of a reply or of the edit of one",
            network=network,
        )
    title = "" if reply else title_of(draft)
    if len(title.encode()) > TITLE_LIMIT:
        raise ContentRejected(f"title is over {TITLE_LIMIT} bytes", network=network)
    if not reply and not title:
        raise ContentRejected(
            f"a {network} post needs a title (Draft.title or a first line)", network=network
        )
    images = _image_urls(draft, network)
    if draft.beneficiaries or draft.payout is not None:
        options_json(draft.beneficiaries, draft.payout, chain, "", "")  # its checks; comment_ops writes it
    size = utf8_len(draft.text) + _besides_text(draft, tags, title, images, app)
    if size > MAX_TRANSACTION_BYTES:
        raise ContentRejected(
            f"with its image links and metadata the {network} transaction would be about {size} bytes, "
            f"over the chain's {MAX_TRANSACTION_BYTES}; shorten the text",
            network=network,
        )
    return tags, title, images


def _image_urls(draft: Draft, network: str) -> list[str]:
    """The images' URLs, each a web address a reader can open (``web_link``): written into the body
    as markdown and kept on the chain for good, a space, a file path or a password would not render
    as an image (or would stay public). The URL is not repeated in the error: it may hold a password."""
    images = [m.url for m in draft.media if m.url]
    if len(images) != len(draft.media):
        raise ContentRejected(f"{network} posts link images by URL; upload the file first", network=network)
    for number, url in enumerate(images, 1):
        if web_link(url) is None:
            raise ContentRejected(
                f"image {number}'s URL is no web address a reader can open: {network} posts link images by "
                "http(s) URL with a host, no space or line break (write a space as %20) and no user name "
                "or password",
                network=network,
            )
    return images


def _besides_text(draft: Draft, tags: list[str], title: str, images: list[str], app: str) -> int:
    """Bytes a comment's transaction takes besides ``draft.text``: title, image links, metadata,
    beneficiaries and ``TRANSACTION_OVERHEAD``."""
    links = utf8_len(_body(draft, images)) - utf8_len(draft.text)
    metadata = utf8_len(_metadata(draft, tags, images, app))
    beneficiaries = BENEFICIARY_BYTES * len(draft.beneficiaries)
    return utf8_len(title) + links + metadata + beneficiaries + TRANSACTION_OVERHEAD


def text_room(draft: Draft, chain: Chain, *, reply: bool, app: str = "decentsocial") -> int:
    """Bytes left for ``draft.text`` in one transaction once the rest of the comment is counted
    (its title, image links, metadata, beneficiaries): where a long text is split into a thread.

    Raises what :func:`check_comment` raises for the parts other than the text (an invalid tag).
    """
    tags = _tags(draft, chain.network)
    title = "" if reply else title_of(draft)
    images = [m.url for m in draft.media if m.url]
    return MAX_TRANSACTION_BYTES - _besides_text(draft, tags, title, images, app)


def _body(draft: Draft, images: list[str]) -> str:
    """The body as sent: the text (:func:`body_text`), then a link to each image with its alt text (what
    front ends give screen readers; read back, :func:`~.convert.markdown_to_text` makes it the image's
    plain text)."""
    alts = [m.alt_text for m in draft.media if m.url]
    images_md = "".join(f"\n\n![{_alt(alt)}]({url})" for alt, url in zip(alts, images, strict=True))
    return body_text(draft.text) + images_md


#: WORD JOINER (U+2060): invisible, and no letter, so neither a front end nor Hivemind reads a name
#: after it.
WORD_JOINER = "\u2060"
#: An ``@`` that a front end or Hivemind reads a mention after (anything but a letter, digit, ``_``,
#: ``#`` or ``/`` before it: condenser's and Hivemind's rules together), and the whole name written
#: after it: an account-like run, then ``_`` and ``@domain`` if any (``@alice_b``,
#: ``@alice@mastodon.social``).
_AT_NAME = re.compile(r"(?<![A-Za-z0-9_#/])@(?P<name>[A-Za-z0-9_.-]+(?:@[\w-]+(?:\.[\w-]+)*)?)")


def body_text(text: str) -> str:
    """``text`` as a body, each ``@name`` that is no account name here written ``@`` WORD JOINER name.

    Front ends (condenser: ``[@＠]([a-z][-.a-z\\d]+[a-z\\d])``) and Hivemind's notifications
    (``@([a-zA-Z0-9.-]{1,16}[a-zA-Z0-9])(?![a-z])``) read the account-like run after an ``@``: a
    crosspost's ``@alice@mastodon.social`` linked and notified the Hive account ``alice``, and
    ``@alice.bsky.social`` (17 characters, no account name) notified ``alice.bsky``: someone else.
    The joiner, after the ``@`` alone, keeps the text as readers see it and mentions nobody here; an
    ``@name`` that is an account name (any case) is a mention on this chain and stays as written, and
    so does every link (``https://mastodon.social/@alice``).
    """
    if "@" not in text:
        return text
    found = [m for m in _AT_NAME.finditer(text) if not _account_name(m["name"].rstrip(".-"))]
    if not found:
        return text
    spans = [(e.start, e.end) for e in entities(text) if e.kind == "link"]
    pieces: list[str] = []
    at = 0
    for match in found:
        if any(start <= match.start() < end for start, end in spans):
            continue
        pieces += [text[at : match.start() + 1], WORD_JOINER]
        at = match.start() + 1
    return "".join(pieces) + text[at:]


def _account_name(name: str) -> bool:
    """Whether ``name`` (any case: front ends and Hivemind lower-case it) is a valid account name."""
    try:
        check_account(name.lower(), "hive")
    except InvalidInput:
        return False
    return True


def _alt(text: str | None) -> str:
    """Alt text as markdown's image text: on one line, its brackets and backslashes escaped."""
    return _MARKDOWN_ESCAPE.sub(r"\\\g<0>", " ".join(text.split())) if text else ""


#: What a backslash escapes in an image's alt text (the reader undoes exactly these).
_MARKDOWN_ESCAPE = re.compile(r"[\\\[\]]")


def _metadata(draft: Draft, tags: list[str], images: list[str], app: str) -> str:
    """The comment's ``json_metadata``."""
    metadata: dict[str, Any] = {"tags": tags, "app": app, "format": "markdown"}
    if draft.community:
        metadata["community"] = draft.community
    if images:
        metadata["image"] = images
    return json.dumps(metadata, separators=(",", ":"))


def comment_ops(
    draft: Draft,
    *,
    chain: Chain,
    author: str,
    permlink: str,
    parent: tuple[str, str] | None,
    app: str,
) -> list[OpJson]:
    """The ``comment`` operation, plus ``comment_options`` when beneficiaries or payout options are set."""
    tags, title, images = check_comment(draft, chain, reply=parent is not None, app=app)
    if parent is None:
        parent_author, parent_permlink = "", (tags[0] if tags else "blog")
    else:
        parent_author, parent_permlink = parent
    ops: list[OpJson] = [
        [
            "comment",
            {
                "parent_author": parent_author,
                "parent_permlink": parent_permlink,
                "author": author,
                "permlink": permlink,
                "title": title,
                "body": _body(draft, images),
                "json_metadata": _metadata(draft, tags, images, app),
            },
        ]
    ]
    if draft.beneficiaries or draft.payout is not None:
        ops.append(
            ["comment_options", options_json(draft.beneficiaries, draft.payout, chain, author, permlink)]
        )
    return ops


def options_json(
    beneficiaries: tuple[Beneficiary, ...],
    payout: PayoutOptions | None,
    chain: Chain,
    author: str,
    permlink: str,
) -> dict[str, Any]:
    """The ``comment_options`` body: payout cap, share paid in HBD/SBD, beneficiaries (hived's rules)."""
    network = chain.network
    payout = payout or PayoutOptions()
    if payout.decline:
        max_payout = f"0.000 {chain.backed}"
    elif payout.max_accepted_payout is not None:
        max_payout = _amount_str(payout.max_accepted_payout, (chain.backed,), network)
    else:
        max_payout = f"1000000.000 {chain.backed}"
    if payout.percent_backed > 50:
        raise ContentRejected(
            f"{network} pays at most 50% of the author reward in {chain.backed}, "
            f"got {payout.percent_backed}%",
            network=network,
        )
    percent = payout.percent_backed * 200  # hived: 10000 = the 50 % maximum
    if percent != percent.to_integral_value():
        raise ContentRejected(
            f"percent in {chain.backed} {payout.percent_backed}% is too fine", network=network
        )
    extensions: list[Any] = []
    if beneficiaries:
        extensions.append([0, {"beneficiaries": beneficiaries_json(beneficiaries, network)}])
    return {
        "author": author,
        "permlink": permlink,
        "max_accepted_payout": max_payout,
        chain.percent_field: int(percent),
        "allow_votes": True,
        "allow_curation_rewards": True,
        "extensions": extensions,
    }


def transfer_op(chain: Chain, sender: str, to: str, amount: Amount, memo: str) -> OpJson:
    """A ``transfer`` (a tip): the amount in this chain's assets, and no memo that holds a private key."""
    network = chain.network
    if not isinstance(memo, str):
        raise InvalidInput(f"memo must be text, got {type(memo).__name__}", network=network)
    try:
        size = len(memo.encode())
    except UnicodeEncodeError:
        raise InvalidInput(
            "memo is not valid Unicode (a lone surrogate, half of a character)", network=network
        ) from None
    if size >= 2048:
        raise ContentRejected("memo is over 2048 bytes", network=network)
    if holds_private_key(memo):
        raise InvalidInput("the memo holds a private key; refusing to publish it", network=network)
    if memo.startswith("#"):
        # Wallets (beem, Hive Keychain) encrypt a memo starting with '#'; this one would go out in clear.
        raise InvalidInput(
            "memos starting with '#' are meant to be encrypted, and decentsocial does not encrypt "
            "memos (they are public); drop the '#' to send it in clear",
            network=network,
        )
    text = _amount_str(amount, (chain.liquid, chain.backed), network)
    if amount.value <= 0:
        raise InvalidInput("a tip must be more than zero", network=network)
    return [
        "transfer",
        {
            "from": sender,
            "to": check_account(to, network, what="recipient"),
            "amount": text,
            "memo": memo,
        },
    ]


# ---------------------------------------------------------------- keys in memos

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_VALUE = {c: i for i, c in enumerate(_B58)}
_B58_RUN = f"[{re.escape(_B58)}]"
#: The uncompressed WIF form Hive wallets show (5H…, 5J…, 5K…), standing alone in the text.
_WIF_SHAPE = re.compile(rf"(?<!{_B58_RUN})5[HJK]{_B58_RUN}{{49}}(?!{_B58_RUN})")
#: WIF lengths: 51 characters (uncompressed, 37 bytes) and 52 (compressed, 38 bytes).
_WIF_LENGTHS = (51, 52)


def _b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _B58_VALUE[char]
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + number.to_bytes((number.bit_length() + 7) // 8, "big")


def is_wif(text: str) -> bool:
    """Whether ``text`` is a private key in WIF: version 0x80, 32 bytes (+ 0x01), a valid checksum."""
    if len(text) not in _WIF_LENGTHS or any(c not in _B58_VALUE for c in text):
        return False
    raw = _b58decode(text)
    payload, check = raw[:-4], raw[-4:]
    if payload[:1] != b"\x80" or len(payload) not in (33, 34) or (len(payload) == 34 and payload[-1] != 1):
        return False
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] == check


def holds_private_key(text: str) -> bool:
    """Whether ``text`` holds a private key, alone or disguised.

    Found: the 51-character ``5H…``/``5J…``/``5K…`` form anywhere (checksum or
    not), and any WIF with a valid checksum, also when split by spaces, line
    breaks or punctuation, quoted, or run into other words (every 51/52-character
    stretch of the text's base58 characters, read with the separators taken
    out, is checked for the WIF checksum).
    """
    normal = unicodedata.normalize("NFKC", text)
    if _WIF_SHAPE.search(normal):
        return True
    joined = "".join(c for c in normal if c in _B58_VALUE)
    for start, char in enumerate(joined):
        if char in "5KL" and any(is_wif(joined[start : start + n]) for n in _WIF_LENGTHS):
            return True
    return False


def custom_json_op(account: str, id_: str, payload: Any) -> OpJson:
    """A ``custom_json`` on the posting authority: how reblogs, follows and community joins are sent."""
    return [
        "custom_json",
        {
            "required_auths": [],
            "required_posting_auths": [account],
            "id": id_,
            "json": json.dumps(payload, separators=(",", ":")),
        },
    ]


def claim_op(chain: Chain, account: str, liquid: Amount, backed: Amount, vests: Amount) -> OpJson:
    """A ``claim_reward_balance`` for exactly the amounts given (the account's pending rewards)."""
    liquid_f, backed_f, vests_f = chain.claim_fields
    return [
        "claim_reward_balance",
        {
            "account": account,
            liquid_f: _amount_str(liquid, (chain.liquid,), chain.network),
            backed_f: _amount_str(backed, (chain.backed,), chain.network),
            vests_f: _amount_str(vests, ("VESTS",), chain.network, places=6),
        },
    ]
