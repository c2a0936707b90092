"""Two things the Minds engine does that the backend must allow for (its activity controller,
``Core/Feeds/Activity/Controller.php``, which the contract server follows):

* it keeps ``rawurldecode(message)`` on a new post and an edit, so a text holding ``%20`` or ``%E2%9C%93``
  (a tracking link, say) was published changed, and the post a keyed retry looked for after a lost answer
  (by its text) was never found: it was published twice;
* a delete of a post that is not there is HTTP 200 ``{"status": "error", "message": "The post does not
  appear to exist"}``, not a 404: a delete repeated after a lost answer, and a delete of a missing post,
  were ``ContentRejected``.
"""

from __future__ import annotations

from typing import Any

import pytest

import decentsocial as ds
from tests.servers._process import ContractServer
from tests.servers.minds import minds_connect, minds_user

#: Percent signs as marketing text has them: an encoded tracking link, an encoded emoji, a bare ``%``.
TEXT = "Spring sale https://shop.example/?utm_campaign=spring%20sale&x=%E2%9C%93 100% off, 50%25 today"


@pytest.fixture
def me(minds_server: ContractServer) -> Any:
    net = minds_connect(minds_server, minds_user(minds_server))
    yield net
    net.close()


def live_posts(server: ContractServer) -> int:
    count: int = server.control("stats")["activities"]
    return count


def test_text_with_percent_signs_is_published_as_written(me: Any) -> None:
    post = me.publish(TEXT)
    assert post.text == TEXT
    assert me.get_post(post.id).text == TEXT


def test_an_edit_keeps_percent_signs(me: Any) -> None:
    post = me.publish("first words")
    assert me.edit(post, TEXT).text == TEXT
    assert me.get_post(post.id).text == TEXT


def test_a_keyed_retry_after_a_lost_answer_finds_a_post_with_percent_signs(
    me: Any, minds_server: ContractServer
) -> None:
    draft = ds.Draft(text=TEXT, idempotency_key="percent-once")
    before = live_posts(minds_server)
    minds_server.control("faults", {"server_error_after_write": 1})
    with pytest.raises(ds.NetworkUnavailable):
        me.publish(draft)
    post = me.publish(draft)
    assert live_posts(minds_server) == before + 1  # found, not published again
    assert post.text == TEXT


def test_a_delete_repeated_after_a_lost_answer_returns_normally(
    me: Any, minds_server: ContractServer
) -> None:
    post = me.publish("delete me once")
    minds_server.control("faults", {"server_error_after_write": 1})
    me.delete(post)  # the first attempt deleted it; the repeat is told it does not appear to exist
    with pytest.raises(ds.NotFound):
        me.get_post(post.id)


def test_a_delete_of_a_missing_post_is_not_found(me: Any) -> None:
    post = me.publish("here and gone")
    me.delete(post)
    with pytest.raises(ds.NotFound):
        me.delete(post)
