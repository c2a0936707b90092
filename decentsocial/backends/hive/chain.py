"""What differs between Hive and Steem, and the chain's rules for names.

A :class:`Chain` holds the chain id, asset names and the few field names
that Steem kept and Hive renamed; ``HIVE`` and ``STEEM`` are the two
mainnets. Account names, permlinks and ``author/permlink`` post ids are
checked here, before any request or signature.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from ...errors import ConfigurationError, InvalidInput

__all__ = [
    "HIVE",
    "STEEM",
    "Chain",
    "WrongChain",
    "check_account",
    "check_community",
    "check_permlink",
    "hosts",
    "is_community_name",
    "split_post_id",
    "wrong_chain",
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
    title: str  # Hive / Steem
    #: The other chain's name and its (liquid, backed) assets: one of them in a node's answer says
    #: that the node serves the other chain (both share the JSON-RPC API since Hive forked from Steem).
    other: str
    other_assets: tuple[str, ...]
    #: The connection's nodes, for messages (scheme, host and port only); not part of equality.
    nodes: str = field(default="", compare=False)

    def at(self, nodes: Iterable[str], web_url: str | None) -> Chain:
        """This chain as a connection to ``nodes`` sees it (its front end ``web_url``, when set)."""
        return replace(self, web_url=(web_url or self.web_url).rstrip("/"), nodes=hosts(nodes))

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
    title="Hive",
    other="Steem",
    other_assets=("STEEM", "SBD"),
)
STEEM = Chain(
    network="steem",
    chain_id="0" * 64,
    liquid="STEEM",
    backed="SBD",
    power="SP",
    percent_field="percent_steem_dollars",
    web_url="https://steemit.com",
    title="Steem",
    other="Hive",
    # Not refused on Steem: this project has no recorded answer of a current Steem node to prove
    # that none of them ever sends a Hive asset, and earlier versions read such answers as Steem's.
    other_assets=(),
)


def hosts(nodes: Iterable[str]) -> str:
    """Node URLs as messages name them: scheme, host and port (a password or token in the URL left out)."""
    return ", ".join(f"{(p := urlsplit(node)).scheme}://{p.netloc.rpartition('@')[2]}" for node in nodes)


class WrongChain(ConfigurationError):
    """:func:`wrong_chain`'s error, typed apart so that the transport can leave that node out and ask
    the next configured one (:class:`~.transport.RpcClient`); the caller sees a ``ConfigurationError``."""

    def __init__(self, message: str, *, network: str | None = None, chain: Chain, asset: str) -> None:
        super().__init__(message, network=network)
        self.chain = chain
        self.asset = asset

    def every(self) -> WrongChain:
        """The same error when every configured node served the other chain's answer."""
        return wrong_chain(self.chain, self.asset, every=True)


def wrong_chain(chain: Chain, asset: str, *, every: bool = False) -> WrongChain:
    """The error for a node answer with an amount in the other chain's ``asset``: the node serves the
    other chain (a node URL of one pasted into the other's settings). Its data is not this chain's,
    and a transaction signed for this chain would be refused by it as a bad signature. ``every``: each
    of several nodes did (one among good ones is left out by the transport, never named to the caller)."""
    if every:
        where, answer = "every node of ", "their answers have amounts in"
    else:
        where = "a node" if not chain.nodes else "the node at " if ", " not in chain.nodes else "a node of "
        answer = "its answer has an amount in"
    return WrongChain(
        f"{where}{chain.nodes} serves {chain.other}, not {chain.title}: {answer} {asset}"
        f" (a {chain.other} asset); connect({chain.network!r}, nodes=…) needs {chain.title} nodes",
        network=chain.network,
        chain=chain,
        asset=asset,
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
