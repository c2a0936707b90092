"""Publishing against the real local AT Protocol stack: rich text, limits, media, cards, quotes, replies."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import decentsocial as ds
from tests.contract.harness import poll_until
from tests.servers.bluesky import BlueskyStack

from .conftest import list_posts, make_png

pytestmark = pytest.mark.server


def _record(stack: BlueskyStack, uri: str) -> dict[str, Any]:
    """The stored record, read with plain HTTP from the PDS."""
    _, _, rest = uri.partition("at://")
    repo, collection, rkey = rest.split("/")
    answer = httpx.get(
        f"{stack.pds_url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": repo, "collection": collection, "rkey": rkey},
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]


def test_facets_for_arabic_cjk_and_emoji_reach_the_server_intact(
    stack: BlueskyStack, alice: Any, bob: Any
) -> None:
    bob_handle = bob.me().handle
    text = f"👩🏽‍💻 مرحبا 你好 #多言語 @{bob_handle} https://example.com/路径 🏳️‍🌈 #Tag2"
    post = alice.publish(text)
    stored = _record(stack, post.id)["value"]
    assert stored["text"] == text
    raw = text.encode()
    spans = {
        raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0]
        for f in stored["facets"]
    }
    assert spans["#多言語"] == {"$type": "app.bsky.richtext.facet#tag", "tag": "多言語"}
    assert spans["#Tag2"]["tag"] == "Tag2"
    assert spans[f"@{bob_handle}"]["did"] == bob.me().id
    assert spans["https://example.com/路径"]["uri"] == "https://example.com/路径"
    # Read back through the AppView: the facets become tags, mentions and links.
    seen = poll_until(lambda: _indexed(alice.get_post(post.id)))
    assert set(seen.tags) == {"多言語", "tag2"}
    assert seen.mentions == (bob_handle,)
    assert seen.links == ("https://example.com/路径",)
    assert seen.author.handle == alice.me().handle


def _indexed(post: ds.Post) -> ds.Post:
    assert post.metrics.likes is not None, "not indexed by the AppView yet"
    return post


def test_300_graphemes_pass_301_are_rejected_with_limit_and_count(stack: BlueskyStack, alice: Any) -> None:
    family = "👨‍👩‍👧‍👦"  # one grapheme, 25 UTF-8 bytes
    ok = alice.publish("a" * 290 + family * 10)
    assert ds.text.grapheme_len(_record(stack, ok.id)["value"]["text"]) == 300
    before = len(list_posts(stack, alice.me().id))
    with pytest.raises(ds.ContentRejected) as exc:
        alice.publish("ب" * 301)
    assert "300" in str(exc.value)
    assert "301" in str(exc.value)
    assert len(list_posts(stack, alice.me().id)) == before


def test_images_with_alt_text_and_aspect_ratio(stack: BlueskyStack, alice: Any) -> None:
    draft = ds.Draft(
        text="two images",
        media=(
            ds.Media(data=make_png(40, 30), alt_text="a wide grey box"),
            ds.Media(data=make_png(10, 50), alt_text="a tall grey box", mime_type="image/png"),
        ),
    )
    post = alice.publish(draft)
    images = _record(stack, post.id)["value"]["embed"]["images"]
    assert [i["alt"] for i in images] == ["a wide grey box", "a tall grey box"]
    assert [i["aspectRatio"] for i in images] == [{"width": 40, "height": 30}, {"width": 10, "height": 50}]
    assert all(i["image"]["mimeType"] == "image/png" for i in images)
    seen = poll_until(lambda: _indexed(alice.get_post(post.id)))
    assert [(m.alt_text, m.width, m.height) for m in seen.media] == [
        ("a wide grey box", 40, 30),
        ("a tall grey box", 10, 50),
    ]
    assert all(m.url for m in seen.media)


def test_fifth_image_and_oversize_image_make_no_post(stack: BlueskyStack, alice: Any) -> None:
    did = alice.me().id
    before = len(list_posts(stack, did))
    png = make_png(8, 8)
    with pytest.raises(ds.ContentRejected, match="limit of 4"):
        alice.publish(ds.Draft(text="five", media=tuple(ds.Media(data=png) for _ in range(5))))
    with pytest.raises(ds.ContentRejected, match="1,000,000"):
        alice.publish(ds.Draft(text="big", media=(ds.Media(data=make_png(600, 600, noise=True)),)))
    assert len(list_posts(stack, did)) == before


def test_blob_over_the_servers_limit_is_content_rejected(stack: BlueskyStack, make_account: Any) -> None:
    # Lift our own 1 MB check so the PDS (5 MiB upload limit) is the one that refuses.
    net, _, _ = make_account("big", image_max_bytes=20_000_000)
    with pytest.raises(ds.ContentRejected) as exc:
        net.publish(ds.Draft(text="huge", media=(ds.Media(data=make_png(1400, 1400, noise=True)),)))
    assert "too large" in str(exc.value)
    assert list_posts(stack, net.me().id) == []


def test_unresolvable_mention_makes_no_post(stack: BlueskyStack, alice: Any) -> None:
    before = len(list_posts(stack, alice.me().id))
    with pytest.raises(ds.ContentRejected, match=r"nobody-here\.test"):
        alice.publish("hello @nobody-here.test")
    assert len(list_posts(stack, alice.me().id)) == before


def test_link_card(stack: BlueskyStack, alice: Any) -> None:
    card = ds.LinkCard(
        url="https://example.com/article",
        title="An article",
        description="What it says",
        thumbnail=ds.Media(data=make_png(12, 6)),
    )
    post = alice.publish(ds.Draft(text="read this", link=card))
    embed = _record(stack, post.id)["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.external"
    assert embed["external"]["uri"] == "https://example.com/article"
    assert embed["external"]["title"] == "An article"
    assert embed["external"]["description"] == "What it says"
    assert embed["external"]["thumb"]["mimeType"] == "image/png"
    assert "https://example.com/article" in post.links


def test_quote_posts_with_and_without_media(stack: BlueskyStack, alice: Any, bob: Any) -> None:
    original = alice.publish("quote me")
    quote = bob.publish(ds.Draft(text="quoting", quote_of=original.id))
    embed = _record(stack, quote.id)["value"]["embed"]
    assert embed == {
        "$type": "app.bsky.embed.record",
        "record": {"uri": original.id, "cid": _record(stack, original.id)["cid"]},
    }
    assert quote.quote_of == original.id
    with_media = bob.publish(
        ds.Draft(
            text="quoting with a picture",
            quote_of=original.id,
            media=(ds.Media(data=make_png(5, 5), alt_text="dot"),),
        )
    )
    embed = _record(stack, with_media.id)["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.recordWithMedia"
    assert embed["record"]["record"]["uri"] == original.id
    assert embed["media"]["images"][0]["alt"] == "dot"
    seen = poll_until(lambda: _indexed(bob.get_post(with_media.id)))
    assert seen.quote_of == original.id
    assert len(seen.media) == 1
    counted = poll_until(lambda: _quoted(alice.get_post(original.id)))
    assert counted.metrics.quotes == 2


def _quoted(post: ds.Post) -> ds.Post:
    assert post.metrics.quotes == 2
    return post


def test_replies_carry_root_and_parent_strong_refs(stack: BlueskyStack, alice: Any, bob: Any) -> None:
    root = alice.publish("root")
    first = bob.reply(root, "first reply")
    second = alice.reply(first.id, "reply to the reply")
    root_ref = {"uri": root.id, "cid": _record(stack, root.id)["cid"]}
    first_ref = {"uri": first.id, "cid": _record(stack, first.id)["cid"]}
    assert _record(stack, first.id)["value"]["reply"] == {"root": root_ref, "parent": root_ref}
    assert _record(stack, second.id)["value"]["reply"] == {"root": root_ref, "parent": first_ref}
    assert (second.reply_to, second.root_id) == (first.id, root.id)
    thread = poll_until(lambda: _complete(alice.thread(root), 3))
    assert [p.text for p in thread] == ["root", "first reply", "reply to the reply"]


def _complete(posts: list[ds.Post], n: int) -> list[ds.Post]:
    assert len(posts) == n
    return posts


def test_publish_thread(stack: BlueskyStack, alice: Any) -> None:
    parts = alice.publish_thread(["one (1/3)", "two (2/3)", "three (3/3)"])
    assert [p.reply_to for p in parts] == [None, parts[0].id, parts[1].id]
    assert {p.root_id for p in parts[1:]} == {parts[0].id}
    # All parts are checked before the first is published.
    before = len(list_posts(stack, alice.me().id))
    with pytest.raises(ds.ContentRejected):
        alice.publish_thread(["fine", "x" * 301])
    assert len(list_posts(stack, alice.me().id)) == before


def test_language_tags_and_content_warning(stack: BlueskyStack, alice: Any) -> None:
    post = alice.publish(ds.Draft(text="labelled", language="pt", tags=("Extra",), content_warning="nudity"))
    stored = _record(stack, post.id)["value"]
    assert stored["langs"] == ["pt"]
    assert stored["tags"] == ["extra"]
    assert stored["labels"]["values"] == [{"val": "nudity"}]
    seen = poll_until(lambda: _indexed(alice.get_post(post.id)))
    assert seen.language == "pt"
    assert "extra" in seen.tags
    assert seen.content_warning is not None
    assert "nudity" in seen.content_warning


def test_at_sign_before_a_non_handle_stays_text(stack: BlueskyStack, alice: Any) -> None:
    # "@3.50" has a dot but is no handle (a handle's last label starts with a letter): plain text,
    # as in the Bluesky app, not a refused post.
    post = alice.publish("Coffee @3.50 today, tea @2.5")
    stored = _record(stack, post.id)["value"]
    assert stored["text"] == "Coffee @3.50 today, tea @2.5"
    assert "facets" not in stored


def test_publish_thread_checks_every_image_before_the_first_part(stack: BlueskyStack, alice: Any) -> None:
    before = len(list_posts(stack, alice.me().id))
    too_big = ds.Media(data=make_png(600, 600, noise=True))  # over 1,000,000 bytes
    with pytest.raises(ds.ContentRejected, match="1,000,000"):
        alice.publish_thread(["part one", ds.Draft(text="part two", media=(too_big,))])
    assert len(list_posts(stack, alice.me().id)) == before


def test_draft_mentions_are_written_into_the_text_as_mention_facets(
    stack: BlueskyStack, make_account: Any
) -> None:
    """A Bluesky mention is a facet over ``@handle`` in the text: ``Draft.mentions`` are put there, once."""
    author, _, _ = make_account("mentioner")
    ivy, ivy_handle, _ = make_account("ivy")
    jon, jon_handle, _ = make_account("jon")
    draft = ds.Draft(text=f"hello @{jon_handle}", mentions=(f"@{ivy_handle}", jon_handle.upper()))
    post = author.publish(ds.Draft.model_validate({**draft.model_dump(), "idempotency_key": "mentions-1"}))
    stored = _record(stack, post.id)["value"]
    assert stored["text"] == f"@{ivy_handle} hello @{jon_handle}"
    dids = [f["features"][0]["did"] for f in stored["facets"]]
    assert dids == [ivy.me().id, jon.me().id]
    assert set(post.mentions) == {ivy_handle, jon_handle}
    # The same key and draft give the same post back (the text compared is the text as posted).
    again = author.publish(ds.Draft.model_validate({**draft.model_dump(), "idempotency_key": "mentions-1"}))
    assert again.id == post.id


def test_draft_mentions_that_are_no_bluesky_handle_or_no_account_make_no_post(
    stack: BlueskyStack, make_account: Any
) -> None:
    author, _, _ = make_account("mentioner")
    did = author.me().id
    with pytest.raises(ds.ContentRejected, match="not a Bluesky handle"):
        author.publish(ds.Draft(text="hi", mentions=("user@mastodon.example",)))
    with pytest.raises(ds.ContentRejected, match="nobody-at-all"):
        author.publish(ds.Draft(text="hi", mentions=("nobody-at-all.test",)))
    with pytest.raises(ds.ContentRejected, match="graphemes"):  # the mention counts toward the limit
        author.check_draft(ds.Draft(text="x" * 295, mentions=("someone.example.com",)))
    assert list_posts(stack, did) == []
