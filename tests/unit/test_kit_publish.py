"""A backend written from docs/backends.md that leaves idempotency keys to ``BaseNetwork``: a key used
again for the same draft gives the post it made, from any connection or process, and never a second
post; the same key with other content is still refused."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone
from pathlib import Path
from typing import ClassVar

import pytest

import decentsocial as ds
from decentsocial import Account, Capability, Draft, NetworkSettings, Post
from decentsocial.base import BaseNetwork
from decentsocial.network import PUBLISHING, READING


class ToySettings(NetworkSettings):
    handle: str = "brand"


#: The toy network's server: every post it ever stored, shared by every connection.
WORLD: dict[str, Post] = {}
_IDS = itertools.count(1)


class ToyNetwork(BaseNetwork[ToySettings]):
    """Publishes whatever it is given: keys are the base class's job (``keeps_publish_keys`` is False)."""

    name = "toy"
    Settings = ToySettings
    capabilities = READING | PUBLISHING

    @property
    def identity(self) -> str:
        return self.settings.handle

    def _publish(self, draft: Draft) -> Post:
        author = Account(network=self.name, id=self.settings.handle, handle=self.settings.handle)
        post = Post(
            network=self.name,
            id=f"p{next(_IDS)}",
            author=author,
            text=draft.text,
            created_at=datetime.now(timezone.utc),
            raw={"payload": "x" * 100},
        )
        WORLD[post.id] = post
        return post


@pytest.fixture
def settings(tmp_path: Path) -> ToySettings:
    WORLD.clear()
    return ToySettings(state_path=tmp_path / "state.db")


def test_a_key_used_again_gives_the_post_it_made(settings: ToySettings) -> None:
    draft = Draft(text="sale starts now #news", idempotency_key="launch-1")
    first = ToyNetwork(settings).publish(draft)
    again = ToyNetwork(settings).publish(draft)  # a retry after a timeout, from a new connection
    assert again.id == first.id
    assert again.text == first.text
    assert again.tags == first.tags
    assert again.author.handle == "brand"
    assert again.raw is None  # the payload is not kept with the key
    assert list(WORLD) == [first.id]
    with pytest.raises(ds.InvalidInput, match="different content"):
        ToyNetwork(settings).publish(Draft(text="another text", idempotency_key="launch-1"))
    assert list(WORLD) == [first.id]


def test_a_crosspost_run_again_with_its_key_posts_once(settings: ToySettings) -> None:
    net = ToyNetwork(settings)
    first = ds.crosspost(Draft(text="crosspost", idempotency_key="campaign-7"), [net])
    again = ds.crosspost(Draft(text="crosspost", idempotency_key="campaign-7"), [ToyNetwork(settings)])
    assert first.ok, first.errors
    assert [p.id for p in first.posts] == [p.id for p in again.posts]
    assert len(WORLD) == 1


def test_keyless_publishes_are_each_a_post(settings: ToySettings) -> None:
    net = ToyNetwork(settings)
    assert net.publish("one").id != net.publish("one").id
    assert Capability.IDEMPOTENT_PUBLISH in net.capabilities


class Resolving(ToyNetwork):
    """Says its ``_publish`` finds what a key made itself: every repeat reaches it."""

    resolves_publish_keys = True
    calls: ClassVar[list[str]] = []

    def _publish(self, draft: Draft) -> Post:
        self.calls.append(draft.text)
        for post in WORLD.values():
            if post.text == draft.text:
                return post  # found on the network (a re-send would go here)
        return super()._publish(draft)


def test_a_backend_that_resolves_keys_is_called_again(settings: ToySettings) -> None:
    draft = Draft(text="once", idempotency_key="resolved-1")
    net = Resolving(settings)
    Resolving.calls.clear()
    assert net.publish(draft).id == net.publish(draft).id
    assert net.calls == ["once", "once"]
    with pytest.raises(ds.InvalidInput, match="different content"):
        net.publish(Draft(text="other", idempotency_key="resolved-1"))


class LostAnswerNetwork(ToyNetwork):
    """Stores the post, then loses the answer (a timeout after the server acted)."""

    def _publish(self, draft: Draft) -> Post:
        super()._publish(draft)
        raise ds.NetworkUnavailable("the answer was lost", network=self.name, retryable=False)


def test_a_retry_after_a_lost_answer_never_posts_again(settings: ToySettings) -> None:
    draft = Draft(text="sale starts now", idempotency_key="launch-2")
    with pytest.raises(ds.NetworkUnavailable, match="lost"):
        LostAnswerNetwork(settings).publish(draft)
    for net in (LostAnswerNetwork(settings), ToyNetwork(settings)):  # the retry, from any connection
        with pytest.raises(ds.NetworkUnavailable, match="may have been made") as caught:
            net.publish(draft)
        assert not caught.value.retryable
    assert len(WORLD) == 1


def test_a_second_call_while_the_first_publishes_never_posts_again(settings: ToySettings) -> None:
    draft = Draft(text="sale starts now", idempotency_key="launch-3")
    seen: list[BaseException] = []

    class Slow(ToyNetwork):
        def _publish(self, draft: Draft) -> Post:  # the same key again while this one is under way
            try:
                ToyNetwork(settings).publish(draft)
            except ds.NetworkUnavailable as exc:
                seen.append(exc)
            return super()._publish(draft)

    first = Slow(settings).publish(draft)
    assert [type(e) for e in seen] == [ds.NetworkUnavailable]
    assert "under way" in str(seen[0])
    assert list(WORLD) == [first.id]
    assert ToyNetwork(settings).publish(draft).id == first.id  # once made, the key gives the post


def test_the_kept_post_holds_no_media_bytes(settings: ToySettings) -> None:
    class WithMedia(ToyNetwork):
        capabilities = READING | PUBLISHING | {Capability.MEDIA}

        def _publish(self, draft: Draft) -> Post:
            return super()._publish(draft).model_copy(update={"media": draft.media})

    png = b"\x89PNG\r\n\x1a\n" + b"0" * 4096
    draft = Draft(text="banner", media=(ds.Media(data=png, alt_text="banner"),), idempotency_key="k-4")
    WithMedia(settings).publish(draft)
    ((_, _, record),) = ToyNetwork(settings).state.items("toy:brand", "publish:")
    assert "data" not in record["post"]["media"][0]
    assert record["post"]["media"][0]["alt_text"] == "banner"
