"""The direct-message members of ``BaseNetwork``: capability, checks before I/O, what networks lack."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import ClassVar

import pytest

from decentsocial import (
    Account,
    BaseNetwork,
    Capability,
    ConfigurationError,
    ContentRejected,
    InvalidInput,
    Message,
    NetworkSettings,
    UnsupportedFeature,
)
from decentsocial.network import AccountRef, TextLimit
from decentsocial.registry import BUILTIN, backend_class


class Outbox(BaseNetwork[NetworkSettings]):
    """A backend whose network is a list: what the template lets through reaches ``sent``."""

    name = "outbox"
    capabilities = frozenset({Capability.MESSAGING})

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[AccountRef, str]] = []

    def text_limit(self, draft: object = None) -> TextLimit:
        return TextLimit(10, len)

    def _send_message(self, to: AccountRef, text: str) -> str:
        self.sent.append((to, text))
        return f"m{len(self.sent)}"

    def _messages(self, limit: int | None) -> Iterator[Message]:
        me = Account(network="outbox", id="me", handle="me")
        for i, (_, text) in enumerate(reversed(self.sent)):
            if limit is not None and i >= limit:
                return
            yield Message(
                network="outbox", id=str(i), sender=me, text=text, created_at=datetime.now(timezone.utc)
            )


class Silent(BaseNetwork[NetworkSettings]):
    name = "silent"
    lacks: ClassVar[dict[Capability, str]] = {Capability.MESSAGING: "pigeons only"}


def test_checks_come_before_the_hook() -> None:
    net = Outbox()
    assert net.send_message("@bob", "hi مرحبا") == "m1"
    assert net.sent == [("@bob", "hi مرحبا")]
    with pytest.raises(ContentRejected, match="limit of 10"):
        net.send_message("bob", "x" * 11)
    with pytest.raises(ContentRejected, match="needs text"):
        net.send_message("bob", " \n ")
    with pytest.raises(InvalidInput, match="surrogate at character 5"):
        net.send_message("bob", "half \udc00")
    with pytest.raises(InvalidInput, match="must be text"):
        net.send_message("bob", b"bytes")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="a handle"):
        net.send_message("  ", "hi")
    assert len(net.sent) == 1
    with pytest.raises(InvalidInput, match="limit"):
        net.messages(limit=0)
    assert [m.text for m in net.messages(limit=5)] == ["hi مرحبا"]


def test_errors_never_repeat_the_text() -> None:
    net = Outbox()
    for bad in ("secret words over ten", "secret \ud800"):
        with pytest.raises((ContentRejected, InvalidInput)) as caught:
            net.send_message("bob", bad)
        assert "secret" not in str(caught.value)


def test_a_network_without_messages_says_what_it_lacks() -> None:
    net = Silent()
    for call in (lambda: net.send_message("bob", "hi"), net.messages):
        with pytest.raises(UnsupportedFeature) as caught:
            call()
        assert str(caught.value) == "[silent] silent does not support messaging: pigeons only"
        assert caught.value.capability is Capability.MESSAGING


@pytest.mark.parametrize("name", list(BUILTIN))
def test_every_builtin_backend_has_messages_or_says_why_not(name: str) -> None:
    try:
        cls = backend_class(name)
    except ConfigurationError:
        pytest.skip(f"the {name} extra is not installed in this environment")
    if Capability.MESSAGING in cls.capabilities:
        assert Capability.MESSAGING not in cls.lacks
    else:
        assert cls.lacks.get(Capability.MESSAGING), f"{name} lacks messaging without saying why"
