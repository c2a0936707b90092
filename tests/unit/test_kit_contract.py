"""The contract suite as a third-party backend meets it: each case fails for the mistake it exists to
catch (keys kept in memory, a search ignoring its query, a token in plain text, an identity hashing the
token…), passes a correct backend, and the suite run as docs/backends.md shows honours ``skips`` and
keeps its idempotency records out of the developer's own state store."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from decentsocial import Account, Capability, Draft, NetworkSettings, NotFound, Post
from decentsocial.base import BaseNetwork
from decentsocial.paging import Page
from decentsocial.testing import Harness
from decentsocial.testing.contract import engagement, listings, publishing

ROOT = Path(__file__).resolve().parents[2]

#: Every toy server: posts by world name, shared by every connection to it.
WORLDS: dict[str, dict[str, Post]] = {}
_IDS = itertools.count(1)


class ToySettings(NetworkSettings):
    world: str = "w"
    handle: str = "me"
    api_key: SecretStr | None = None


class ToyNetwork(BaseNetwork[ToySettings]):
    """A correct third-party backend written from docs/backends.md (keys left to ``BaseNetwork``)."""

    name = "toy"
    Settings = ToySettings
    capabilities = frozenset(
        {
            Capability.PROFILE,
            Capability.PUBLISH,
            Capability.IDEMPOTENT_PUBLISH,
            Capability.READ,
            Capability.SEARCH,
            Capability.LIKE,
            Capability.REPOST,
        }
    )

    @property
    def identity(self) -> str:
        return f"{self.settings.world}:{self.settings.handle}"

    @property
    def posts_here(self) -> dict[str, Post]:
        return WORLDS.setdefault(self.settings.world, {})

    def _me(self) -> Account:
        return self._account(self.settings.handle)

    def _account(self, handle: str) -> Account:
        return Account(network=self.name, id=handle, handle=handle)

    def _publish(self, draft: Draft) -> Post:
        post = Post(
            network=self.name,
            id=f"p{next(_IDS)}",
            author=self._me(),
            text=draft.text,
            tags=draft.all_tags,
            created_at=datetime.now(timezone.utc),
        )
        self.posts_here[post.id] = post
        return post

    def _get_post(self, id: str) -> Post:
        if id not in self.posts_here:
            raise NotFound(f"no post {id}", network=self.name)
        return self.posts_here[id]

    def _search_page(self, query: str, cursor: Any, size: int) -> Page[Post, Any]:
        found = [p for p in self.posts_here.values() if query.lower() in p.text.lower()]
        return Page(found[:size], None)

    def _like(self, post: Any) -> None:
        """Liked; the network gives no counts (``Engagement()``: it does not say)."""

    def _unlike(self, post: Any) -> None:
        """Unliked."""

    def _repost(self, post: Any) -> Post | None:
        return None


class KeysInMemory(ToyNetwork):
    """Remembers keys on the connection object: a restarted process posts again."""

    resolves_publish_keys = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keys: dict[str, Post] = {}

    def _publish(self, draft: Draft) -> Post:
        key = draft.idempotency_key
        if key is not None and key in self._keys:
            return self._keys[key]
        post = super()._publish(draft)
        if key is not None:
            self._keys[key] = post
        return post


class SearchAll(ToyNetwork):
    def _search_page(self, query: str, cursor: Any, size: int) -> Page[Post, Any]:
        return Page(list(self.posts_here.values())[:size], None)


class DefaultIdentity(ToyNetwork):
    identity = BaseNetwork.identity  # hashes every setting, the secret too


class PlainTokenSettings(ToySettings):
    token: str = "tok-SUPERSECRET-123456"


class PlainToken(ToyNetwork):
    Settings = PlainTokenSettings


class ShowsItsKey(ToyNetwork):
    def __repr__(self) -> str:
        key = self.settings.api_key.get_secret_value() if self.settings.api_key else ""
        return f"<ShowsItsKey api_key='{key}'>"


class Misnamed(ToyNetwork):
    name = "sandbox"


class Tips(ToyNetwork):
    capabilities = ToyNetwork.capabilities | {Capability.TIP}


def harness(tmp_path: Path, cls: type[ToyNetwork] = ToyNetwork, **settings: Any) -> Harness:
    world = f"world-{next(_IDS)}"

    def connect(handle: str, key: str) -> Any:
        given = {"world": world, "handle": handle, "api_key": key, "state_path": tmp_path / "state.db"}
        return cls(cls.Settings(**{**given, **settings}))

    return Harness(name="toy", me=connect("me", "me-secret-1"), other=connect("other", "other-secret-2"))


def outcome(case: Callable[[Harness], None], h: Harness) -> str:
    """``passed``, ``failed`` or ``skipped``, as pytest would report the case for this harness."""
    try:
        case(h)
    except (AssertionError, pytest.fail.Exception):
        return "failed"
    except pytest.skip.Exception:
        return "skipped"
    return "passed"


def test_idempotent_publish_needs_keys_that_outlive_the_connection(tmp_path: Path) -> None:
    assert outcome(publishing.test_idempotent_publish, harness(tmp_path, KeysInMemory)) == "failed"
    assert outcome(publishing.test_idempotent_publish, harness(tmp_path)) == "passed"


def test_search_by_word_fails_a_search_that_ignores_its_query(tmp_path: Path) -> None:
    assert outcome(listings.test_search_by_word, harness(tmp_path, SearchAll)) == "failed"
    assert outcome(listings.test_search_by_word, harness(tmp_path)) == "passed"


def test_a_secret_in_plain_text_or_shown_in_repr_fails(tmp_path: Path) -> None:
    assert outcome(publishing.test_secrets_not_in_repr, harness(tmp_path, PlainToken)) == "failed"
    shown = harness(tmp_path, ShowsItsKey, api_key="me")  # a short secret, as in the docs' old example
    assert outcome(publishing.test_secrets_not_in_repr, shown) == "failed"
    assert outcome(publishing.test_secrets_not_in_repr, harness(tmp_path, api_key="me")) == "passed"


def test_identity_must_survive_a_rotated_secret(tmp_path: Path) -> None:
    case = publishing.test_identity_survives_a_rotated_secret
    assert outcome(case, harness(tmp_path, DefaultIdentity)) == "failed"
    assert outcome(case, harness(tmp_path)) == "passed"
    assert outcome(case, harness(tmp_path, api_key=None)) == "skipped"  # no secret to rotate


def test_a_class_named_otherwise_than_its_network_fails(tmp_path: Path) -> None:
    assert outcome(publishing.test_identity, harness(tmp_path, Misnamed)) == "failed"
    assert outcome(publishing.test_identity, harness(tmp_path)) == "passed"


def test_a_declared_tip_without_its_sample_fails(tmp_path: Path) -> None:
    assert outcome(listings.test_tip, harness(tmp_path, Tips)) == "failed"
    assert outcome(listings.test_tip, harness(tmp_path)) == "skipped"  # no TIP: skipped, as before


def test_engagement_accepts_counts_the_network_does_not_give(tmp_path: Path) -> None:
    case = engagement.test_a_like_and_a_repost_from_another_account_show_in_metrics
    assert outcome(case, harness(tmp_path)) == "passed"


def test_the_suite_as_documented_honours_skips_and_keeps_state_out_of_home(tmp_path: Path) -> None:
    project = tmp_path / "toy-package"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_contract.py").write_text(
        textwrap.dedent(
            """
            import pytest
            from decentsocial.testing import Harness
            from decentsocial.testing.contract import *  # noqa: F403
            from tests.unit.test_kit_contract import ToyNetwork, ToySettings


            @pytest.fixture
            def harness() -> Harness:
                me = ToyNetwork(ToySettings(world="docs", handle="me", api_key="me-secret-1"))
                other = ToyNetwork(ToySettings(world="docs", handle="other", api_key="other-secret-2"))
                skips = {"test_publish_too_long_is_rejected": "toy documents no text limit"}
                return Harness(name="toy", me=me, other=other, skips=skips)
            """
        )
    )
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DECENTSOCIAL_", "PYTEST_"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(project / "tests")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "toy: toy documents no text limit" in done.stdout
    assert not list(home.rglob("state.db")), "the suite wrote into the user's state store"
