"""Text from strangers made safe for a terminal: no escape sequences, no markup, no reordering.

A post, a handle or a server's error message is printed by the command line
as plain text: :func:`printable` for a line, :func:`cell` for a table cell,
:func:`bidi` for a line that may hold right-to-left script, :func:`json_text`
(and :func:`json_time` for a time) for ``--json``. And the way in: :func:`text_or_stdin` (``-`` reads
standard input, bounded; other text is checked by :func:`typed_text`) and :func:`decoded_input` for
text piped to a command.
"""

from __future__ import annotations

import codecs
import json
import re
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from rich.containers import Lines
from rich.text import Text

from .text import has_right_to_left, lone_surrogate_at

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "MAX_STDIN_BYTES",
    "IsolatedText",
    "bidi",
    "cell",
    "decoded_input",
    "has_rtl",
    "json_text",
    "json_time",
    "printable",
    "stdin_is_terminal",
    "text_or_stdin",
    "typed_text",
]

_FSI, _PDI = "\u2068", "\u2069"


def has_rtl(text: str) -> bool:
    """Whether ``text`` holds a right-to-left letter (of any script, outside the BMP too):
    :func:`decentsocial.text.has_right_to_left`."""
    return has_right_to_left(text)


#: Terminal escape sequences (CSI, OSC, and the rest).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]"
)
#: Control characters other than tab, and the bidi embeddings, overrides and isolates a stranger's
#: text could use to reorder what follows it (a handle printed after a name shown backwards).
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: Half of a surrogate pair on its own (valid JSON, ``"\ud83d"``): no terminal encoding can write it.
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def printable(text: str) -> str:
    """Remote text made safe for a terminal: escape sequences and control characters removed.

    A post, a handle or a server's error message comes from strangers; printed
    as it is, an escape sequence could recolour, hide or rewrite what is on
    the screen (or set the window title, or a clipboard), and a bidi override
    could show a handle backwards. A lone surrogate becomes U+FFFD (written
    as it is, it stopped the output). Line breaks are the caller's business:
    it prints text line by line.
    """
    return _SURROGATES.sub("\ufffd", _CONTROLS.sub("", _ESCAPES.sub("", text)))


class IsolatedText(Text):
    """Text for a table cell whose every line holding right-to-left script is isolated on its own.

    A terminal lays out each line by itself: an Arabic cell not isolated pulls
    the borders and the next cell's number into its direction (``│ متجر │ 0 │``
    shows the 0 on the wrong side), and one isolated as a whole before the table
    wraps or cuts it leaves an isolate open on one line, taking the rest of that
    row with it, and a stray end on another. So the isolates go round each line
    once the cell is laid out, the padding kept outside them.
    """

    def wrap(self, console: Console, width: int, **options: Any) -> Lines:
        lines = super().wrap(console, width, **options)
        return Lines(_isolated_line(line) for line in lines)


def _isolated_line(line: Text) -> Text:
    if not has_rtl(line.plain):
        return line
    end = len(line.plain.rstrip(" "))
    return Text.assemble(
        _FSI, line[:end], _PDI, line[end:], style=line.style, justify=line.justify, end=line.end
    )


def cell(text: str) -> Text:
    """Remote (or any) text for a table cell: printable, never read as Rich markup, and right-to-left
    script isolated line by line (see :class:`IsolatedText`)."""
    return IsolatedText(printable(text))


def bidi(text: str) -> str:
    """Text in its logical order, isolated (FSI…PDI) when it holds right-to-left script.

    Terminals lay out right-to-left runs themselves; the isolate keeps an
    Arabic line from pulling neighbouring numbers, table borders and
    punctuation into its direction. The text itself is never reordered.
    """
    text = printable(text)
    return f"{_FSI}{text}{_PDI}" if has_rtl(text) else text


def json_text(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON text that is safe on a terminal: C1 controls, bidi controls and lone surrogates
    as ``\\u`` escapes.

    JSON escapes the C0 controls (ESC is ``\\u001b``) but lets DEL and the C1
    range through as they are, and U+009B is a terminal's CSI: a stranger's
    post could still drive the screen. A bidi embedding, override or isolate
    (U+202E) in a handle would reorder the rest of its line. A lone surrogate
    cannot be written at all. Escaped, the document parses to the same value.
    """
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_UNSAFE_IN_JSON = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def json_time(value: datetime) -> str:
    """A time for ``--json``: ISO 8601 in UTC ending in ``Z``, the form the models' own JSON writes.

    A job's ``at`` written ``+00:00`` beside a post's ``created_at`` written
    ``Z`` made one kind of value two strings (compared as text, they differ).
    """
    utc = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return utc.isoformat().removesuffix("+00:00") + "Z"


def decoded_input(data: bytes, legacy: str | None = None) -> str:
    """Text from a file's bytes: UTF-8 (with or without a byte-order mark), UTF-16 with its mark, or the
    system's own ``legacy`` encoding (Windows' cp1252), as Python read standard input before.

    A Windows editor starts a file with a byte-order mark (it would be
    published, unseen, before the text) and ends its lines with CR LF (a
    stray CR in each line): both are dropped. Anything else is ``InvalidInput``.
    """
    from .errors import InvalidInput

    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    try:
        text = data.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        found = None if utf16 else _decoded_as(data, legacy)
        if found is None:
            raise InvalidInput(
                f"standard input is not UTF-8 text (byte {exc.start} cannot be read): save the file as UTF-8"
            ) from None
        text = found
    return text.replace("\r\n", "\n")


def _decoded_as(data: bytes, encoding: str | None) -> str | None:
    """``data`` in ``encoding`` when that is a legacy (not UTF) encoding that reads it; else ``None``."""
    try:
        if encoding is None or codecs.lookup(encoding).name.startswith("utf"):
            return None
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None


#: The most ``-`` reads from standard input: far over any network's post, even split into a thread.
MAX_STDIN_BYTES = 16 * 2**20


def stdin_is_terminal() -> bool:
    """Whether a person may be asked (standard input is a terminal; closed, ``<&-``, it is not)."""
    return sys.stdin is not None and sys.stdin.isatty()


def typed_text(text: str, name: str, *, or_stdin: bool = False) -> str:
    """``text`` as typed for the argument ``name``; with a lone surrogate (a byte the command line
    could not decode, as ``$'hi\\xff'`` gives it) it is a wrong argument: ``UsageProblem``, status 2.

    No network or store can take such text, and it was typed, not read from a file: said as a
    mistyped argument before anything is opened, not as the network's failure (status 1).
    ``or_stdin``: the argument also takes ``-``, and the message says so.
    """
    at = lone_surrogate_at(text)
    if at is not None:
        from .cli import UsageProblem  # here: cli imports this module

        stdin = ", or - to read it from standard input" if or_stdin else ""
        raise UsageProblem(
            f"{name} is not valid Unicode: a lone surrogate at character {at} (a byte the command line"
            f" could not decode); give it as UTF-8 text{stdin}"
        )
    return text


def text_or_stdin(text: str, name: str = "TEXT", *, empty_ok: bool = False) -> str:
    """``text`` (checked by :func:`typed_text`), or standard input when it is ``-`` (a long or prepared
    post: ``post - --to x < post.txt``).

    A blank ``text`` is a wrong argument too (``post "$MSG"`` with ``$MSG`` unset), unless
    ``empty_ok`` (a post of images only); an empty file piped in is the file's fault, said later.

    Read as bytes, so a file saved by any editor is read right (see
    :func:`decoded_input`). One trailing line break (the one every file and
    ``echo`` ends with) is dropped. At most :data:`MAX_STDIN_BYTES` are read:
    a device or an endless pipe (``< /dev/zero``, ``yes |``) is refused, not
    read until memory runs out.
    """
    from .errors import InvalidInput

    if text != "-":
        if not empty_ok and not text.strip():
            from .cli import UsageProblem  # here: cli imports this module

            raise UsageProblem(f"{name} is empty: give the text, or - to read it from standard input")
        return typed_text(text, name, or_stdin=True)
    if sys.stdin is None:  # started with standard input closed (``<&-``)
        raise InvalidInput("- reads the text from standard input, which is closed")
    raw = getattr(sys.stdin, "buffer", None)
    if raw is not None:
        data = raw.read(MAX_STDIN_BYTES + 1)
    else:
        data = sys.stdin.read(MAX_STDIN_BYTES + 1).encode("utf-8", "surrogateescape")
    if len(data) > MAX_STDIN_BYTES:
        raise InvalidInput(f"standard input is over {MAX_STDIN_BYTES // 2**20} MiB: no post is that long")
    read = decoded_input(data, getattr(sys.stdin, "encoding", None))
    return read[:-1] if read.endswith("\n") else read
