"""Lines laid out by the system's FriBidi (a C library, loaded with ctypes): what a reader sees.

Shared by the tests of right-to-left text (a thread's numbering, the mentions written before a
post). Without a FriBidi that knows isolates (Unicode 6.3 and later) :func:`fribidi` is ``None``
and those tests skip.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

import pytest

__all__ = ["BIDI_CONTROLS", "fribidi", "layout"]

#: Invisible bidi controls (marks, embeddings, isolates): left out of a laid-out line.
BIDI_CONTROLS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: FriBidi's paragraph directions: left to right, right to left, and the text's own (UAX #9 P2/P3).
_PAR_LTR, _PAR_RTL, _PAR_ON = 0x110, 0x111, 0x40

Layout = Callable[[str, bool | None], str]


def fribidi() -> Layout | None:
    """FriBidi's visual order of one line, or ``None`` without a FriBidi that knows isolates.

    The layout's second argument is the paragraph's direction: ``True`` right to left, ``False``
    left to right, ``None`` the direction of the line's first strong character, as an app that
    reads it from the text gives it (HTML ``dir="auto"``). The line comes back left to right as
    drawn, without its invisible bidi controls.
    """
    name = ctypes.util.find_library("fribidi")
    if name is None:
        return None
    try:
        lib = ctypes.CDLL(name)
        version = ctypes.c_char_p.in_dll(lib, "fribidi_unicode_version").value or b"0"
    except (OSError, ValueError):
        return None
    if tuple(int(x) for x in version.decode().split(".")[:2]) < (6, 3):
        return None
    lib.fribidi_log2vis.restype = ctypes.c_int8

    def visual(line: str, rtl: bool | None) -> str:
        size = len(line)
        logical = (ctypes.c_uint32 * size)(*map(ord, line))
        shown = (ctypes.c_uint32 * size)()
        base = ctypes.c_uint32(_PAR_ON if rtl is None else _PAR_RTL if rtl else _PAR_LTR)
        if not lib.fribidi_log2vis(logical, ctypes.c_int(size), ctypes.byref(base), shown, None, None, None):
            raise AssertionError("fribidi_log2vis failed")
        return "".join(chr(c) for c in shown if chr(c) not in BIDI_CONTROLS)

    return visual


def layout() -> Layout:
    """:func:`fribidi`'s layout, or the calling test skipped without it."""
    visual = fribidi()
    if visual is None:
        pytest.skip("needs the FriBidi library (libfribidi, Unicode 6.3 or later) to lay out the lines")
    return visual
