"""``report`` for an account that posted nothing since ``since``: zero for the counts its network gives."""

from __future__ import annotations

from pathlib import Path

import pytest

import decentsocial as ds

pd = pytest.importorskip("pandas")


def test_an_account_quiet_since_reports_zero_for_the_counts_its_network_gives(tmp_path: Path) -> None:
    with ds.connect("sandbox", path=tmp_path / "s.db", account="brand") as brand:
        quiet = brand.as_account("quiet")
        never = brand.as_account("never")
        fan = brand.as_account("fan")
        fan.like(quiet.publish("before the campaign #acme"))
        brand.advance_time(3600)
        since = brand.current_time()
        fan.like(brand.publish("launch #acme"))
        frame = ds.report([brand, quiet, never], since=since, now=brand.current_time())
        for net in (quiet, never, fan):
            net.close()
    rows = {row["account"]: row for row in frame.to_dict("records")}
    assert rows["brand"]["likes"] == 1
    assert rows["quiet"]["posts"] == 0
    for column in ("likes", "reposts", "replies", "quotes"):  # the sandbox gives these: nothing since is 0
        assert rows["quiet"][column] == 0, column
    assert pd.isna(rows["quiet"]["views"])  # the sandbox does not count views: missing, as for brand
    assert pd.isna(rows["brand"]["views"])
    # An account that never posted shows nothing of its network's counts: they stay missing.
    assert [pd.isna(rows["never"][c]) for c in ("likes", "views")] == [True, True]
    assert str(frame["likes"].dtype) == "Int64"
