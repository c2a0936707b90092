"""Sign-in by key: Hive/Steem keys checked against the chain, Nostr keys generated or imported.

Keys go to the keyring only; the config file names the entry. A Hive or
Steem key is saved only when its public key is one of the account's
``posting`` (or ``active``) keys as the node reports them, so a mistyped or
foreign key is refused before anything is saved.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pydantic import SecretStr

from ..config import check_profile_name
from ..errors import AuthenticationError, InvalidInput, NotFound
from ._common import SignIn, check_replaceable, save_signed_in

__all__ = ["hive_import", "nostr_generate", "nostr_import"]

_ROLES = ("posting", "active")


def _public_key(wif: str, prefix: str, network: str) -> str:
    from beemgraphenebase.account import PrivateKey

    try:
        return format(PrivateKey(wif).pubkey, prefix)
    except Exception:  # beem raises assorted errors for a bad WIF; its message could echo the key
        raise InvalidInput(
            "that is not a private key in WIF form (it starts with 5 and has 51 characters): copy the "
            "private posting (or active) key from your wallet's Keys page",
            network=network,
        ) from None


def _authorities(entry: dict[str, Any], role: str) -> set[str]:
    authority = entry.get(role)
    auths = authority.get("key_auths") if isinstance(authority, dict) else None
    return {str(pair[0]) for pair in auths or () if isinstance(pair, (list, tuple)) and pair}


def hive_import(
    network: str,
    *,
    account: str,
    nodes: list[str] | tuple[str, ...],
    posting_key: str | SecretStr | None = None,
    active_key: str | SecretStr | None = None,
    profile: str | None = None,
    prefix: str = "STM",
    **settings: Any,
) -> SignIn:
    """Check ``posting_key`` / ``active_key`` belong to ``account`` (keys read from ``nodes``) and save them.

    ``AuthenticationError`` when a key is not one of the account's keys of
    that role: nothing is saved.
    """
    if network not in ("hive", "steem"):
        raise InvalidInput(f"key import is for hive or steem, not {network!r}")
    if not isinstance(nodes, (list, tuple)) or not all(isinstance(n, str) for n in nodes):
        # One address given alone would be split into its characters, a number not read at all.
        raise InvalidInput("nodes: give a list of API node addresses (['https://…'])", network=network)
    if profile is not None:
        check_profile_name(profile, keyring=True)
        check_replaceable(profile, network)
    given = {  # stripped once: the key checked is the key saved (one pasted or read with a newline)
        role: (key.get_secret_value() if isinstance(key, SecretStr) else str(key)).strip()
        for role, key in (("posting", posting_key), ("active", active_key))
        if key is not None
    }
    if not given:
        raise InvalidInput("give a posting key (and an active key for transfers and claims)", network=network)
    publics = {role: _public_key(wif, prefix, network) for role, wif in given.items()}
    from ..backends.hive import HiveNetwork
    from ..registry import connect_any

    net = connect_any(network, account=account, nodes=list(nodes), **settings)
    assert isinstance(net, HiveNetwork)
    try:
        # The account's authorities, read through the backend's guarded node client.
        entry = net._account_entry(account)
    except NotFound:
        raise NotFound(
            f"account {account!r} does not exist on {network}: check the name (without @)", network=network
        ) from None
    finally:
        net.close()
    for role, public in publics.items():
        # An active key may also sign what posting does, but a posting key never signs for active.
        allowed = _authorities(entry, role) | (_authorities(entry, "active") if role == "posting" else set())
        if public not in allowed:
            raise AuthenticationError(
                f"the {role} key given does not belong to @{account} (its public key is not among the "
                f"account's {role} keys on {network}): copy the private {role} key of this account from "
                "your wallet, or check the account name; nothing was saved",
                network=network,
            )
    from ..models import Account

    me = Account(network=network, id=account, handle=account)
    if profile is not None:
        save_signed_in(
            profile,
            network,
            {"account": account, "nodes": list(nodes), **{k: v for k, v in settings.items() if k != "retry"}},
            {f"{role}_key": wif for role, wif in given.items()},
            login={"checked_at": datetime.now(timezone.utc).replace(microsecond=0), "roles": sorted(given)},
        )
    return SignIn(network, profile, me, tuple(sorted(given)))


def nostr_import(
    *,
    relays: str | list[str] | tuple[str, ...],
    private_key: str | SecretStr | None = None,
    profile: str | None = None,
    nip05: str | None = None,
    nip05_resolver: Any = None,
    **settings: Any,
) -> SignIn:
    """Save a Nostr key (``private_key``: nsec or hex), or a new one when it is ``None``.

    ``nip05`` (``name@domain``) is checked to point at this key first, through
    the backend's guarded resolver (or ``nip05_resolver``). The new key's nsec
    is in ``SignIn.notes["nsec"]`` only when one was generated, to be shown once.
    """
    from ..backends.nostr.keys import InvalidKey, PrivateKey
    from ..backends.nostr.settings import NostrSettings
    from ..registry import checked_settings

    if profile is not None:
        check_profile_name(profile, keyring=True)
        check_replaceable(profile, "nostr")
    # The relays and settings checked as connect() checks them, before a key is made or saved.
    checked = checked_settings("nostr", {**settings, "relays": relays})
    assert isinstance(checked, NostrSettings)
    generated = private_key is None
    try:
        key = (
            PrivateKey.generate()
            if private_key is None
            else PrivateKey.parse(
                private_key.get_secret_value() if isinstance(private_key, SecretStr) else private_key
            )
        )
    except InvalidKey as exc:
        raise InvalidInput(f"{exc}: paste your nsec1… key", network="nostr") from None
    if nip05 is not None:
        _check_nip05(nip05, key.public_key, nip05_resolver)
    from ..models import Account

    me = Account(network="nostr", id=key.public_key, handle=nip05 or key.npub)
    notes = {"npub": key.npub}
    if profile is not None:
        save_signed_in(
            profile,
            "nostr",
            {**settings, "relays": list(checked.relays)},
            {"private_key": key.nsec},
            login={"npub": key.npub, **({"nip05": nip05} if nip05 else {})},
        )
    if generated:
        notes["nsec"] = key.nsec
    return SignIn("nostr", profile, me, (), None, notes)


def nostr_generate(
    *, relays: str | list[str] | tuple[str, ...], profile: str | None = None, **settings: Any
) -> SignIn:
    """A new Nostr key, saved; its nsec is in ``notes["nsec"]`` to show the user once."""
    return nostr_import(relays=relays, private_key=None, profile=profile, **settings)


def _check_nip05(identifier: str, public_key: str, resolver: Any) -> None:
    from ..backends.nostr.resolvers import https_nip05_resolver

    if not isinstance(identifier, str) or "@" not in identifier:
        raise InvalidInput(f"NIP-05 identifier {identifier!r} is name@domain", network="nostr")
    resolve = resolver or https_nip05_resolver()
    found = resolve(identifier)
    if found is None:
        raise AuthenticationError(
            f"{identifier} does not name a key (its domain's /.well-known/nostr.json has no such name): "
            "add the name to that file, or sign in without --nip05",
            network="nostr",
        )
    if str(found).lower() != public_key:
        raise AuthenticationError(
            f"{identifier} points at another key than this one: update the domain's "
            "/.well-known/nostr.json with this key's public key (hex), or import the key it names",
            network="nostr",
        )
