"""Per-network variants: each network's own form of one post.

One text rarely fits five networks: Bluesky wants 300 graphemes, Hive a
title, a brand's Mastodon account its own hashtags. ``variants`` (accepted by
:func:`~decentsocial.crosspost` and :meth:`~decentsocial.Scheduler.schedule`)
maps a *selector* to what replaces the draft for the targets it selects::

    variants = {
        "bluesky": "Launch day! acme.example",            # the text only; media etc. stay the draft's
        "hive": {"title": "Acme launches", "tags": ["acme", "launch"]},   # these fields only
        "brand-mastodon": ds.Draft(text="…", visibility="unlisted"),      # the whole draft
    }

A value is a :class:`~decentsocial.Draft` (it replaces the whole draft), a
``str`` (it replaces the text, everything else is kept), or a mapping of
``Draft`` fields (those fields are replaced, the result is checked as a new
``Draft``).

A selector is a network name (``"bluesky"``), or one target: a profile name
in a :class:`~decentsocial.Scheduler` job, ``"<network>:<identity>"``
(:func:`~decentsocial.crosspost.target_of`) in a ``crosspost``. **The most
specific selector wins**: a target's own variant over its network's, and the
draft itself where neither is given. A selector that matches no target is
``InvalidInput`` (a typo must not silently post the default text).

Idempotency keys never come from a variant: every part still publishes under
the key derived from the crosspost's (or the job's) key and the target, so a
variant changes *what* is posted, never *whether* it is posted twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ContentRejected, InvalidInput
from .models import Draft

__all__ = ["Variant", "Variants", "check_variants", "pick", "variants_data"]

#: What may replace the draft for a target: a whole draft, the text, or some fields.
Variant = Draft | str | Mapping[str, Any]
#: Resolved variants: selector -> the full draft that target gets.
Variants = dict[str, Draft]


def check_variants(
    draft: Draft,
    variants: Mapping[str, Variant] | None,
    known: Iterable[str],
) -> Variants:
    """Every variant as a full ``Draft``; ``InvalidInput`` for a selector outside ``known`` or a bad value.

    ``known`` is every selector that names a target (its networks, and its
    profiles or accounts). Nothing here does I/O.
    """
    if variants is None:
        return {}
    if not isinstance(variants, Mapping):
        raise InvalidInput(f"variants must be a mapping of network or target to draft, got {variants!r}")
    allowed = set(known)
    resolved: Variants = {}
    for selector, value in variants.items():
        if not isinstance(selector, str) or not selector.strip():
            raise InvalidInput(f"a variant's selector must be a network or target name, got {selector!r}")
        if selector not in allowed:
            raise InvalidInput(
                f"variant {selector!r} matches no target; use one of {', '.join(sorted(allowed))}"
            )
        resolved[selector] = _as_variant(draft, selector, value)
    return resolved


def _as_variant(draft: Draft, selector: str, value: Variant) -> Draft:
    if isinstance(value, Draft):
        full = value
    elif isinstance(value, str):
        full = _merged(draft, selector, {"text": value})
    elif isinstance(value, Mapping):
        if "idempotency_key" in value:
            raise InvalidInput(
                f"variant {selector!r} sets idempotency_key; keys come from the draft (or job) and the target"
            )
        full = _merged(draft, selector, value)
    else:
        raise InvalidInput(
            f"variant {selector!r} must be a Draft, a text or a mapping of Draft fields, "
            f"got {type(value).__name__}"
        )
    return full.model_copy(update={"idempotency_key": None})


def _merged(draft: Draft, selector: str, fields: Mapping[str, Any]) -> Draft:
    unknown = [name for name in fields if name not in Draft.model_fields]
    if unknown:
        raise InvalidInput(f"variant {selector!r}: Draft has no field {', '.join(map(repr, unknown))}")
    base = {name: getattr(draft, name) for name in Draft.model_fields}
    try:
        return Draft.model_validate({**base, **fields})
    except (InvalidInput, ContentRejected) as exc:  # named, so the one at fault among several is known
        raise type(exc)(f"variant {selector!r}: {exc.message}") from None


def pick(draft: Draft, variants: Mapping[str, Draft], *selectors: str | None) -> Draft:
    """A target's draft: the variant of its first selector with one (most specific first), or ``draft``."""
    for selector in selectors:
        if selector is not None and selector in variants:
            return variants[selector]
    return draft


def variants_data(variants: Mapping[str, Draft]) -> dict[str, Any]:
    """Variants as JSON-ready data (each a draft's own JSON form), for a job's record."""
    return {k: json.loads(v.model_dump_json()) for k, v in variants.items()}
