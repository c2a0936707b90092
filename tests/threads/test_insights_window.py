"""Account insights refuse a period Threads does not serve, instead of mislabelling another one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

import pytest

import decentsocial as ds


@pytest.mark.parametrize(
    "window",
    [
        {"since": date(2024, 1, 1), "until": date(2024, 3, 1)},
        {"since": date(2024, 4, 12)},
        {"until": datetime(2024, 4, 13, 6, 59, tzinfo=timezone.utc)},
    ],
)
def test_insights_before_april_13_2024_are_refused(
    make_net: Callable[..., Any], window: dict[str, Any]
) -> None:
    # Documented: the user insights since/until do not work before Unix 1712991600.
    net, _ = make_net()
    with pytest.raises(ds.InvalidInput, match="2024-04-13"):
        net.account_insights(**window)


def test_insights_from_april_13_2024_are_read(make_net: Callable[..., Any]) -> None:
    net, _ = make_net()
    got = net.account_insights(since=datetime(2024, 4, 13, 7, tzinfo=timezone.utc))
    assert got.since == datetime(2024, 4, 13, 7, tzinfo=timezone.utc)
