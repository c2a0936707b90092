"""Reading status HTML takes time linear in its size, whatever a server sends.

Each sample is markup that once sent the reader into quadratic or cubic
time (a few KB held a read for tens of seconds, the GIL with it). Each is
read in a child process with a bound hundreds of times what a linear read
needs, so a loaded machine cannot make it flake, and a regression fails
instead of hanging the suite.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from decentsocial.backends.mastodon.markup import read_content

#: 300 KB to 1 MB each. A linear read takes well under a second; the old reader took minutes or more.
SAMPLES = {
    "unclosed quotes in tags": "'<a\"' * 100_000",
    "unclosed tags": "'<a ' * 100_000",
    "a tag name that never ends": "'<a' + 'b' * 300_000",
    "end tags that close nothing": "'<span>' * 100_000 + '</b>' * 100_000",
    "blank chunks between tags": "'<span> ' * 150_000",
    "a long run of spaces in a paragraph": "'<p>x' + ' ' * 600_000 + 'y</p>'",
    "attributes without an end": "'<a ' + 'x=\"y\" ' * 50_000",
}
BOUND = 60.0  # seconds, interpreter start included


@pytest.mark.parametrize("expression", SAMPLES.values(), ids=list(SAMPLES))
def test_hostile_markup_reads_in_linear_time(expression: str) -> None:
    code = (
        "from decentsocial.backends.mastodon.markup import read_content\n"
        f"text, links = read_content({expression})\n"
        "print(len(text))\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=BOUND, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {expression} took over {BOUND:.0f} s")
    assert done.returncode == 0, done.stderr


def test_a_nul_in_the_text_is_not_a_paragraph_break() -> None:
    assert read_content("<p>a\x00b</p>") == ("a\ufffdb", ())
    assert read_content("<p>a</p>\x00<p>b</p>") == ("a\n\n\ufffd\n\nb", ())


def test_what_the_linear_reader_keeps() -> None:
    # Spaces before a paragraph's end go; a tag's quoted attribute may hold a ">".
    assert read_content("<p>a  \t</p><p>b</p>") == ("a\n\nb", ())
    assert read_content('<a title="x>y" href="https://e.example/">link</a>') == (
        "link",
        ("https://e.example/",),
    )
    assert read_content("<br/>a<br />b") == ("a\nb", ())
