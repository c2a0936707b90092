"""A Redis URL as shown in messages and ``repr``: never its password, wherever it is written.

The Redis store (:mod:`decentsocial.redis_store`) names its server by this text; redis-py reads a
password from the user part and from the query (``?password=``), and a port out of range is said
as such (its digits are no secret).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["port_out_of_range", "redacted"]


def redacted(url: str) -> str:
    """``url`` without its password (for messages and repr): in the user part, and in the query
    (redis-py also reads ``?password=``), where any parameter named like a secret is masked.

    A user part without a colon is masked whole: it is how a password is written when its colon is
    forgotten (``redis://PASSWORD@host``, which redis-py reads as a user name and the server refuses).
    """
    given = url
    scheme, sep, rest = url.partition("://")
    user, at, host = rest.rpartition("@")
    if sep and at and ":" in user:  # masked before parsing: a '#', '?' or '/' in it would cut it short
        url = f"{scheme}://{user.split(':', 1)[0]}:***@{host}"
    elif sep and user:
        url = f"{scheme}://***@{host}"
    try:
        parts = urlsplit(url)
        if not port_out_of_range(given):  # as redis-py reads it: digits after a host, shown (and named)
            parts.port  # noqa: B018 - not a number: maybe a password cut short by an unencoded '#', '?' or '/'
    except ValueError:
        return f"{scheme}://***" if sep else "***"
    if parts.query:
        query = [(k, "***" if SECRET_PARAM.search(k) else v) for k, v in parse_qsl(parts.query, True)]
        parts = parts._replace(query=urlencode(query, safe="*"))
    return urlunsplit(parts)


def port_out_of_range(url: str) -> bool:
    """Whether ``url`` names a host and a port of digits only, above 65535 (read as ``urlsplit`` does)."""
    try:
        hostinfo = urlsplit(url).netloc.rpartition("@")[2]
    except ValueError:
        return False
    _, bracket, bracketed = hostinfo.partition("[")
    if bracket:  # an IPv6 address: its colons are not the port's
        host, _, after = bracketed.partition("]")
        port = after.partition(":")[2]
    else:
        host, _, port = hostinfo.partition(":")
    return bool(host) and port.isascii() and port.isdigit() and int(port) > 65535


#: Query parameters whose value is a secret.
SECRET_PARAM = re.compile(r"pass|secret|token|key|auth", re.IGNORECASE)
