"""The options that give a draft more than its text: ``--image``, ``--alt``, ``--cw``, ``--tag``, ``--title``.

One definition for ``post`` and ``reply`` (and ``--cw`` for ``edit``), so
each option is checked the same way wherever it is taken: its text as the
command line is read (:func:`~decentsocial.store_cli.typed_value`), the
images paired with their descriptions by :func:`images`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .models import Media
from .store_cli import typed_value

__all__ = ["AltOpt", "CwOpt", "ImageOpt", "TagOpt", "TitleOpt", "images"]

ImageOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--image",
        metavar="PATH",
        exists=True,
        dir_okay=False,
        readable=True,
        help="An image to attach. Repeatable.",
    ),
]
#: An empty ``--alt ""`` is kept: it is how an image that needs no description is skipped in the order.
AltOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--alt",
        metavar="TEXT",
        help="A description of an image for people who cannot see it; one per --image, in order.",
        callback=typed_value(blank=True),
    ),
]
CwOpt = Annotated[
    str | None,
    typer.Option(
        "--cw",
        metavar="TEXT",
        help="A content warning: readers see it before the text.",
        callback=typed_value(),
    ),
]
TagOpt = Annotated[
    list[str] | None,
    typer.Option("--tag", "-t", metavar="TAG", help="A tag to add. Repeatable.", callback=typed_value()),
]
TitleOpt = Annotated[
    str | None,
    typer.Option(
        metavar="TEXT", help="A title (networks with titled posts: Hive, Steem).", callback=typed_value()
    ),
]


def images(paths: list[Path] | None, alts: list[str] | None) -> tuple[Media, ...]:
    """``--image`` files with their ``--alt`` texts, paired in order; more ``--alt`` than ``--image``
    is a wrong argument."""
    from .cli import UsageProblem  # here: cli imports this module

    paths, alts = paths or [], alts or []
    if len(alts) > len(paths):
        raise UsageProblem(f"{len(alts)} --alt for {len(paths)} --image: give at most one --alt per --image")
    return tuple(
        Media(kind="image", path=path, alt_text=alts[i] if i < len(alts) else None)
        for i, path in enumerate(paths)
    )
