"""Values in a metrics store that ``track`` does not write now, and two ``track`` processes at once.

Before, a negative count (a hostile server's ``-7``, which the first versions of ``track`` kept as it
came) was read back as ``-7`` likes, into sums and plots: it is missing now, as ``track`` stores such
a count today. A rewards text with an amount as a JSON number or ``true`` (``track`` always writes
amounts as text) was read through a float, or as 1: it is a damaged store now, as other garbled
rewards are. Two processes tracking into one store at once (and making it) store every snapshot.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from decimal import Decimal, localcontext
from pathlib import Path

import pytest

import decentsocial as ds
from decentsocial.models import Amount, Reward

pd = pytest.importorskip("pandas", reason="history needs the pandas extra")


def tracked(tmp_path: Path) -> Path:
    """A store with one snapshot of a liked post paid 1.000 SAND."""
    store = tmp_path / "metrics.db"
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as net:
        post = net.publish("tracked")
        with net.as_account("fan") as fan:
            fan.like(post)
        ds.track([post], store, networks=[net])
    return store


def garble(store: Path, sql: str, *args: object) -> None:
    with sqlite3.connect(store) as db:
        db.execute(sql, args)
    db.close()


def test_a_negative_count_an_older_version_stored_reads_as_missing(tmp_path: Path) -> None:
    store = tracked(tmp_path)
    garble(store, "UPDATE snapshots SET likes = -7, replies = -1")
    row = ds.history(store).iloc[0]
    assert pd.isna(row["likes"])
    assert pd.isna(row["replies"])
    assert row["reposts"] == 0  # the other counts as stored
    assert row["reward_SAND"] == Decimal("1.000")


@pytest.mark.parametrize("rewards", ['{"SAND": 0.1}', '{"SAND": true}', '{"SAND": 1}', '{"SAND": null}'])
def test_an_amount_that_is_not_text_is_a_damaged_store(tmp_path: Path, rewards: str) -> None:
    store = tracked(tmp_path)
    garble(store, "UPDATE snapshots SET rewards = ?", rewards)
    before = store.read_bytes()
    with pytest.raises(ds.ConfigurationError, match=r"metrics store .*metrics\.db is damaged"):
        ds.history(store)
    assert store.read_bytes() == before


def test_an_exact_amount_of_eighty_digits_comes_back_as_it_went_in(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "s.db") as net:
        post = net.publish("paid a lot")
    big = Amount.parse(f"{'9' * 40}.{'9' * 39}1 HBD")
    reward = Reward(network="sandbox", subject=post.id, status="paid", amounts=(big, big))
    ds.track([post.model_copy(update={"reward": reward})], tmp_path / "metrics.db")
    with localcontext() as context:
        context.prec = 100  # the sum exactly: the default context keeps 28 digits
        twice = big.value * 2
    assert ds.history(tmp_path / "metrics.db").iloc[0]["reward_HBD"] == twice


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import decentsocial as ds

    folder, name = Path(sys.argv[1]), sys.argv[2]
    with ds.connect("sandbox", path=folder / f"{name}.db", account=name) as net:
        posts = [net.publish(f"{name} {n}") for n in range(20)]
        for _ in range(5):
            ds.track(posts, folder / "metrics.db", networks=[net])
    """
)


def test_two_track_processes_into_one_store_keep_every_snapshot(tmp_path: Path) -> None:
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), name], stderr=subprocess.PIPE)
        for name in ("one", "two")
    ]
    for writer in writers:
        _, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors.decode()
    frame = ds.history(tmp_path / "metrics.db")
    assert len(frame) == 2 * 20 * 5
    assert frame.groupby("author").size().to_dict() == {"one": 100, "two": 100}
