"""``crisis start -`` reads the statement from standard input, as ``post``, ``schedule`` and ``edit`` do.

Before, ``-`` was taken as the statement itself: ``crisis start - --to brand
< statement.txt`` paused every job, then published a lone dash on every
profile and pinned it.
"""

from __future__ import annotations

import json
from pathlib import Path

import decentsocial as ds
from tests.cli._helpers import made, one_line, piped, write_config

STATEMENT = "We are aware of the outage.\nUpdates follow here. #status"


def _posts(home: Path) -> list[str]:
    with ds.connect("sandbox", path=home / "s.db", account="brand") as net:
        return [p.text for p in net.posts(limit=None)]


def test_a_dash_reads_the_statement_from_standard_input(tmp_path: Path) -> None:
    home = write_config(tmp_path)
    ran = piped(home, (STATEMENT + "\n").encode(), "crisis", "start", "-", "--to", "brand", "--json")
    assert ran.exit_code == 0, ran.output
    said = json.loads(ran.stdout)
    assert said["ok"] is True
    assert said["targets"][0]["pinned"] is True
    assert _posts(home) == [STATEMENT]  # before: ["-"], pinned on every profile
    ended = piped(home, None, "crisis", "end")
    assert ended.exit_code == 0, ended.output


def test_an_empty_statement_file_is_refused_before_any_store_or_post(tmp_path: Path) -> None:
    home = write_config(tmp_path)
    ran = piped(home, b" \n", "crisis", "start", "-", "--to", "brand")
    one_line(ran, 1, "a post needs text")
    assert made(home) == []  # no scheduler store made, no job paused, nothing posted
