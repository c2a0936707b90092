"""Posts as terminal text, as every command that shows posts prints them (``timeline``, ``search``,
``thread``, ``account --posts``, ``edit``, ``demo``, ``monitor``, ``notifications``).

Beside its text a post carries what changes how it is read: a title (Hive,
Steem: the headline readers see first), a content warning (the network shows
the text behind it) and media. Left out, a brand reviewing
its timeline in a terminal could not tell a post behind a warning, or one
whose images have no description, from a plain one. Each is a stranger's
text, and goes through :func:`~decentsocial.terminal.printable` and
:func:`~decentsocial.terminal.bidi` as the post's text does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.text import Text

from .terminal import bidi, printable
from .text import truncate

if TYPE_CHECKING:
    from rich.console import Console

    from .models import Media, Post

__all__ = [
    "CW_SHOWN",
    "media_marker",
    "one_line",
    "print_post_body",
    "print_posts",
    "title_text",
    "warning_text",
]

#: The most of a content warning shown, and of each description; the most descriptions on a line.
CW_SHOWN, ALT_SHOWN, ALTS_SHOWN = 120, 50, 3

#: A media kind's words, one and many.
_KINDS: dict[str, tuple[str, str]] = {
    "image": ("image", "images"),
    "gif": ("GIF", "GIFs"),
    "video": ("video", "videos"),
    "audio": ("audio file", "audio files"),
    "other": ("attachment", "attachments"),
}


def one_line(text: str, most: int) -> str:
    """A stranger's text on one line, made printable and cut to ``most`` graphemes (counted on what is
    shown): a warning or a description with a line break must not pass for the post's next line."""
    return truncate(printable(" ".join(text.split())), most)


def warning_text(post: Post) -> str | None:
    """The post's content warning, one line, right-to-left isolated; ``None`` without one (or a blank one)."""
    if post.content_warning is None or not post.content_warning.strip():
        return None
    return bidi(one_line(post.content_warning, CW_SHOWN))


def media_marker(media: Iterable[Media], *, alt: bool = True) -> str | None:
    """``[2 images, 1 video]``, then (``alt``) the descriptions given, each cut and isolated:
    ``alt: "A bowl of ramen" · "…"``; ``None`` for no media."""
    items = list(media)
    if not items:
        return None
    counts = Counter(item.kind for item in items)  # in the order the kinds first appear
    kinds = ", ".join(f"{n} {_kind_words(kind, n)}" for kind, n in counts.items())
    marker = f"[{kinds}]"
    described = [item.alt_text for item in items if item.alt_text and item.alt_text.strip()]
    if alt and described:
        shown = [f'"{bidi(one_line(text, ALT_SHOWN))}"' for text in described[:ALTS_SHOWN]]
        more = " · …" if len(described) > ALTS_SHOWN else ""
        marker += f" alt: {' · '.join(shown)}{more}"
    return marker


def post_inline(post: Post, text: str, *, isolate: bool = True) -> str:
    """A post on one line, as ``monitor`` and ``notifications`` show it: ``[CW: food] text [2 images]``,
    each part there only when the post has it. ``text`` is the post's text as the caller cuts it;
    without ``isolate`` right-to-left parts are not isolated (a table cell isolates each line itself)."""
    shown: Callable[[str], str] = bidi if isolate else printable
    warning = post.content_warning
    parts = (
        f"[CW: {shown(one_line(warning, CW_SHOWN))}]" if warning is not None and warning.strip() else None,
        shown(text),
        media_marker(post.media, alt=False),
    )
    return " ".join(part for part in parts if part)


def _kind_words(kind: str, n: int) -> str:
    one, many = _KINDS.get(kind, _KINDS["other"])
    return one if n == 1 else many


def title_text(post: Post) -> str | None:
    """The post's title (Hive, Steem), one line, never cut, right-to-left isolated; ``None`` without one
    (or a blank one). A stranger's title with a line break must not pass for the post's first line."""
    if post.title is None or not post.title.strip():
        return None
    return bidi(" ".join(post.title.split()))


def print_post_body(console: Console, post: Post) -> None:
    """The post under its header, each line indented: its title in bold (Hive, Steem), its content
    warning (``CW: …``), its text line by line (never cut or wrapped by us), and its media
    (``[2 images] alt: "…"``)."""
    title = title_text(post)
    if title is not None:
        console.print(Text("  " + title, style="bold"), soft_wrap=True)
    warning = warning_text(post)
    if warning is not None:
        console.print(Text("  CW: " + warning, style="bold"), soft_wrap=True)
    for line in post.text.splitlines() or [""]:
        console.print("  " + bidi(line), markup=False, soft_wrap=True)
    marker = media_marker(post.media)
    if marker is not None:
        console.print(Text("  " + marker, style="dim"), soft_wrap=True)


def print_posts(console: Console, posts: Iterable[Post]) -> int:
    """Each post as a header line and its body (:func:`print_post_body`); how many were printed.

    A table would fold long right-to-left lines inside a cell; printed this
    way the terminal wraps and lays out each paragraph itself.
    """
    count = 0
    for item in posts:
        count += 1
        m = item.metrics
        kind = "replied" if item.reply_to else "posted"
        header = (
            f"[bold]@{_escape(item.author.handle)}[/bold] {kind} [dim]{item.created_at:%Y-%m-%d %H:%M} UTC · "
            f"{_count(m.likes, 'like')} · {_count(m.replies, 'reply', 'replies')} · {_escape(item.id)}[/dim]"
        )
        console.print(header, soft_wrap=True)  # one line, even when piped: a script reads it whole
        print_post_body(console, item)
    return count


def _count(value: int | None, one: str, many: str | None = None) -> str:
    """``"1 like"``, ``"3 likes"``, or ``"- likes"`` when the network does not say."""
    plural = many or one + "s"
    if value is None:
        return f"- {plural}"
    return f"{value} {one if value == 1 else plural}"


def _escape(text: str) -> str:
    return escape(printable(text))
