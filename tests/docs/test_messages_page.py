"""The Direct messages page's examples run on sandbox profiles, as its Sandbox section says to rehearse them.

The page's first example sends to ``@customer``, who has no account on a new sandbox: run as written on
a sandbox profile, it ended in ``NotFound``, and the Sandbox section did not say what to do first.
"""

from __future__ import annotations

from pathlib import Path

import decentsocial as ds
from tests.docs.test_page_examples import block, run, sandbox_profiles, section

PAGE = "messages.md"


def test_the_sandbox_rehearsal_then_the_pages_first_example_run(tmp_path: Path) -> None:
    env = sandbox_profiles(tmp_path, "brand-mastodon")
    rehearsal = block(section(PAGE, "## Sandbox"))
    assert run(rehearsal, tmp_path, env).splitlines() == ["['Your order has shipped']"]
    first = block(section(PAGE, "# Direct messages"))
    lines = run(first, tmp_path, env).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["brand", "brand"], lines  # the brand sent both
    with ds.connect("sandbox", path=tmp_path / "brand-mastodon.db", account="customer") as customer:
        texts = [m.text for m in customer.messages()]
    assert texts == ["طلبك في الطريق — your order has shipped", "Your order has shipped"]
