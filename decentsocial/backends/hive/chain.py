"""What differs between Hive and Steem, and the chain's rules for names.

A :class:`Chain` holds the chain id, asset names and the few field names
that Steem kept and Hive renamed; ``HIVE`` and ``STEEM`` are the two
mainnets. Account names, permlinks and ``author/permlink`` post ids are
checked here, before any request or signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import InvalidInput

__all__ = [
    "HIVE",
    "STEEM",
    "Chain",
    "check_account",
    "check_community",
    "check_permlink",
    "is_community_name",
    "split_post_id",
]


@dataclass(frozen=True)
class Chain:
    """What differs between Hive and Steem: chain id, asset names and a few field names."""

    network: str
    chain_id: str
    liquid: str  # HIVE / STEEM
    backed: str  # HBD / SBD
    power: str  # HP / SP
    percent_field: str  # percent_hbd / percent_steem_dollars
    web_url: str

    @property
    def claim_fields(self) -> tuple[str, str, str]:
        """The ``claim_reward_balance`` fields of the liquid, backed and vests amounts (``reward_hbd``…)."""
        return (f"reward_{self.liquid.lower()}", f"reward_{self.backed.lower()}", "reward_vests")


#: Hive mainnet signs with chain id beeab0de… (not beem's offline default 000…0).
HIVE = Chain(
    network="hive",
    chain_id="beeab0de" + "0" * 56,
    liquid="HIVE",
    backed="HBD",
    power="HP",
    percent_field="percent_hbd",
    web_url="https://hive.blog",
)
STEEM = Chain(
    network="steem",
    chain_id="0" * 64,
    liquid="STEEM",
    backed="SBD",
    power="SP",
    percent_field="percent_steem_dollars",
    web_url="https://steemit.com",
)

_SEGMENT = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
_PERMLINK = re.compile(r"^[a-z0-9-]{1,255}$")
# Permlinks created before the current rules (upper case, underscores, dots) still exist on chain.
# At least one letter or digit: ``..`` or ``.`` is no permlink.
_OLD_PERMLINK = re.compile(r"^(?=[._-]*[A-Za-z0-9])[A-Za-z0-9._-]{1,255}$")


def check_account(name: str, network: str, *, what: str = "account name") -> str:
    """A valid Hive/Steem account name (3–16 chars, dot-separated segments of ≥3), else InvalidInput."""
    if not isinstance(name, str):
        raise InvalidInput(f"{what} must be a string, got {type(name).__name__}", network=network)
    clean = name.strip().lstrip("@")
    ok = 3 <= len(clean) <= 16 and all(len(seg) >= 3 and _SEGMENT.match(seg) for seg in clean.split("."))
    if not ok:
        raise InvalidInput(
            f"invalid {what} {name!r}: 3–16 lower-case letters, digits, '-' or '.'", network=network
        )
    return clean


#: A community's account name, as Hivemind (Hive's and Steem's) validates it: ``hive-`` and a number
#: starting with 1, 2 or 3. Hivemind ignores a community operation naming anything else.
_COMMUNITY_NAME = re.compile(r"^hive-[123]\d{4,6}$")


def is_community_name(name: str) -> bool:
    """Whether ``name`` is a community's account (``hive-123456``) rather than a person's."""
    return bool(_COMMUNITY_NAME.match(name))


def check_community(name: str, network: str) -> str:
    """A community name (``hive-123456``) for a write, else InvalidInput: Hivemind would ignore it."""
    clean = check_account(name, network, what="community name")
    if not is_community_name(clean):
        raise InvalidInput(
            f"{name!r} is no {network} community: community names are 'hive-' and a number (hive-123456)",
            network=network,
        )
    return clean


def check_permlink(permlink: str, network: str, *, existing: bool = True) -> str:
    """A permlink: strict rules for new ones, the historic alphabet for ones already on chain."""
    pattern = _OLD_PERMLINK if existing else _PERMLINK
    if not isinstance(permlink, str) or not pattern.match(permlink):
        raise InvalidInput(f"invalid permlink {permlink!r}", network=network)
    return permlink


def split_post_id(post_id: str, network: str) -> tuple[str, str]:
    """``author/permlink`` (also ``@author/permlink`` or a front-end URL) → (author, permlink)."""
    text = post_id.strip()
    if "://" in text or text.startswith("/"):
        text = text.split("#")[-1] if "#" in text else text
        text = text.rsplit("@", 1)[-1] if "@" in text else text
    text = text.lstrip("@")
    author, sep, permlink = text.partition("/")
    if not sep or not permlink or "/" in permlink:
        raise InvalidInput(f"a {network} post id is 'author/permlink', got {post_id!r}", network=network)
    return check_account(author, network, what="author"), check_permlink(permlink, network)
