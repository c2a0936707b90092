"""Write ``decentsocial/options.py``: the keyword arguments ``connect()`` takes, per built-in network.

The settings models (pydantic) are the one source of truth; this script
turns each into a ``TypedDict`` so that ``connect("mastodon", …)`` is typed
(IDE completion, mypy rejects a misspelt setting). ``tests/unit`` fails when
the file is out of date: run ``python scripts/gen_options.py`` after
changing a backend's settings.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import pathlib
import re
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, SecretStr

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "decentsocial" / "options.py"

HEADER = '''"""The keyword arguments ``connect()`` takes for each built-in network, as ``TypedDict`` s.

Generated from the backends' settings models by ``scripts/gen_options.py``;
do not edit by hand. ``connect("mastodon", base_url=…)`` is typed with
:class:`MastodonOptions`, so an IDE completes the settings and mypy rejects
a misspelt one. Values take the same forms the settings models accept
(a ``str`` for a secret or a path, a mapping for ``retry``).
"""

from __future__ import annotations

{imports}

__all__ = [
{names}
]


class RetryOptions(TypedDict, total=False):
    """The ``retry`` setting as a mapping: see :class:`~decentsocial.RetrySettings`."""

    attempts: int
    total_seconds: float
    max_wait: float
'''


def render(annotation: object) -> str:
    """The type a caller may pass for a field of this annotation, as source text."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is type(None) or annotation is None:
        return "None"
    if origin is typing.Annotated:
        return render(args[0])
    if origin in (typing.Union, types.UnionType):
        parts: list[str] = []
        for arg in args:
            for part in render(arg).split(" | "):
                if part not in parts:
                    parts.append(part)
        return " | ".join(parts)
    if origin is typing.Literal:
        return f"Literal[{', '.join(repr(a) for a in args)}]"
    if origin in (tuple, list):
        return f"Sequence[{render(args[0])}]"
    if origin in (frozenset, set):
        return f"Collection[{render(args[0])}]"
    if origin is dict:
        return f"Mapping[{render(args[0])}, {render(args[1])}]"
    if origin is Callable or annotation is Callable:
        return "Callable[..., Any]"
    simple: dict[object, str] = {
        str: "str",
        int: "int",
        float: "float",
        bool: "bool",
        SecretStr: "str | SecretStr",
        pathlib.Path: "str | Path",
        decimal.Decimal: "Decimal | int | str",
        datetime.datetime: "datetime",
        datetime.timedelta: "timedelta | float",
    }
    if annotation in simple:
        return simple[annotation]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return f"{annotation.__name__} | str"
    if isinstance(annotation, type) and annotation.__name__ == "RetrySettings":
        return "RetrySettings | RetryOptions"
    if isinstance(annotation, type) and annotation.__name__ == "Limits":
        return "Limits | Mapping[str, Any]"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "Mapping[str, Any]"
    raise SystemExit(f"gen_options: no rendering for {annotation!r}; teach render() about it")


def options_name(network: str) -> str:
    return network.capitalize() + "Options"


def generate() -> str:
    sys.path.insert(0, str(ROOT))
    from decentsocial.registry import BUILTIN, backend_class
    from decentsocial.settings import NetworkSettings

    names = ["NetworkOptions", "RetryOptions"] + [options_name(n) for n in BUILTIN]
    common = {name: render(field.annotation) for name, field in NetworkSettings.model_fields.items()}
    body = "\n\nclass NetworkOptions(TypedDict, total=False):\n"
    body += '    """What every network\'s ``connect()`` takes: see ``NetworkSettings``."""\n\n'
    body += "".join(f"    {field_name}: {annotation}\n" for field_name, annotation in common.items())
    written: dict[type[BaseModel], tuple[str, dict[str, str]]] = {}  # settings model -> its Options, fields
    for network in BUILTIN:
        settings = backend_class(network).Settings
        name = options_name(network)
        fields = {
            field_name: render(field.annotation)
            for field_name, field in settings.model_fields.items()
            if field_name not in common
        }
        base = next((b for b in settings.__mro__[1:] if b in written), None)
        if base is not None and written[base][1] == fields:
            # The model adds no setting to one already written: subclass its Options, adding nothing.
            body += f"\n\nclass {name}({written[base][0]}, total=False):\n"
            body += f'    """What ``connect("{network}", …)`` takes: ``{settings.__name__}``'
            body += f' adds no setting to ``{base.__name__}``."""\n'
        else:
            body += f"\n\nclass {name}(NetworkOptions, total=False):\n"
            body += f'    """What ``connect("{network}", …)`` takes: see ``{settings.__name__}``."""\n\n'
            body += "".join(f"    {field_name}: {annotation}\n" for field_name, annotation in fields.items())
        written[settings] = (name, fields)
    text = HEADER.replace("{names}", "\n".join(f'    "{n}",' for n in sorted(names))) + body
    return text.replace("{imports}", imports(body))


def imports(body: str) -> str:
    """The import lines the generated classes need, in ruff's order."""
    wanted = {
        "collections.abc": ["Callable", "Collection", "Mapping", "Sequence"],
        "datetime": ["datetime", "timedelta"],
        "decimal": ["Decimal"],
        "pathlib": ["Path"],
        "typing": ["Any", "Literal", "TypedDict"],
        "pydantic": ["SecretStr"],
        ".limits": ["Limits"],
        ".network": ["Capability"],
        ".settings": ["RetrySettings"],
    }
    groups: list[list[str]] = [[], [], []]
    for module, candidates in wanted.items():
        used = [n for n in candidates if n == "TypedDict" or re.search(rf"\b{n}\b", body)]
        if used:
            group = 2 if module.startswith(".") else 1 if module == "pydantic" else 0
            groups[group].append(f"from {module} import {', '.join(used)}")
    return "\n\n".join("\n".join(g) for g in groups if g)


if __name__ == "__main__":
    TARGET.write_text(generate(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
