"""Saving or removing a profile never writes a file that means something else than asked.

The file is edited line by line (comments kept). A profile written in a form
those edits cannot cut out cleanly used to be left half there (while removal
said it was gone), or to take a neighbour's lines with it and leave a file
that is no longer TOML. Now such a change is a ConfigurationError and the
file stays byte for byte as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import decentsocial as ds
from decentsocial import config

LAYOUTS = {
    "a neighbour's multi-line text holding the profile's header": (
        '[profiles.other]\nnetwork = "sandbox"\nsignature = """\n[profiles.brand]\n— the team\n"""\n\n'
        '[profiles.brand]\nnetwork = "sandbox"\n'
    ),
    "dotted keys": 'profiles.brand.network = "sandbox"\n\n[profiles.other]\nnetwork = "sandbox"\n',
    "an inline table": (
        '[profiles]\nbrand = { network = "sandbox" }\n\n[profiles.other]\nnetwork = "sandbox"\n'
    ),
    "an array of tables inside it": (
        '[profiles.brand]\nnetwork = "sandbox"\n\n[[profiles.brand.extra]]\nnote = "x"\n\n'
        '[profiles.other]\nnetwork = "sandbox"\n'
    ),
}

CHANGES: dict[str, Callable[[], Any]] = {
    "remove": lambda: config.remove_profile("brand"),
    "save": lambda: config.save_profile("brand", {"network": "sandbox", "account": "new"}),
    "update": lambda: config.update_profile("brand", {"account": "new"}),
}


@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_change_that_would_not_mean_what_was_asked_writes_nothing(
    cfg: Path, layout: str, change: str
) -> None:
    cfg.write_text(LAYOUTS[layout], encoding="utf-8")
    before = cfg.read_bytes()
    with pytest.raises(ds.ConfigurationError, match=f"{cfg}: profile 'brand' cannot be changed"):
        CHANGES[change]()
    assert cfg.read_bytes() == before


def test_removing_a_profile_cut_through_by_a_neighbours_text_keeps_the_file_valid(cfg: Path) -> None:
    cfg.write_text(LAYOUTS["a neighbour's multi-line text holding the profile's header"], encoding="utf-8")
    with pytest.raises(ds.ConfigurationError, match="nothing was written"):
        config.remove_profile("brand")
    assert config.profile_table("other")["signature"] == "[profiles.brand]\n— the team\n"


def test_removing_a_profile_written_as_dotted_keys_does_not_claim_it_is_gone(cfg: Path) -> None:
    cfg.write_text(LAYOUTS["dotted keys"], encoding="utf-8")
    with pytest.raises(ds.ConfigurationError, match="by hand"):
        config.remove_profile("brand")
    assert config.profile_exists("brand")


def test_plain_profiles_are_still_saved_and_removed_down_to_none(cfg: Path) -> None:
    cfg.write_text(
        '# mine\n[profiles.brand]\nnetwork = "sandbox"\nratio = nan\n\n[profiles]\n', encoding="utf-8"
    )
    config.save_profile("other", {"network": "sandbox"}, login={"client_id": "app"})
    assert config.update_profile("other", {"account": "o"})
    assert config.remove_profile("brand")
    assert config.profile_names() == ["other"]
    assert config.remove_profile("other")
    assert config.profile_names() == []
    assert cfg.read_text(encoding="utf-8").startswith("# mine")


def test_a_profile_whose_hand_written_name_needs_quotes_can_be_updated(cfg: Path) -> None:
    """A token refresh writes its expiry back into the profile it ran for, whatever its name."""
    cfg.write_text(
        '[profiles."café bot"]\nnetwork = "sandbox"\n\n[profiles."café bot".login]\nclient_id = "app"\n',
        encoding="utf-8",
    )
    assert config.update_profile("café bot", {"account": "c"})
    assert config.profile_table("café bot") == {
        "network": "sandbox",
        "account": "c",
        "login": {"client_id": "app"},
    }
