"""The converters, proven on real Mastodon 4.x responses (tests/fixtures/mastodon/cassettes)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from decentsocial import Account, NetworkUnavailable, Notification, Post
from decentsocial.backends.mastodon.compose import InstanceLimits
from decentsocial.backends.mastodon.convert import (
    html_to_text,
    notification_kind,
    to_account,
    to_notification,
    to_post,
    to_scheduled_post,
)
from decentsocial.backends.mastodon.failures import wait_from_headers
from decentsocial.coerce import as_datetime

from .cassettes import Exchange, all_exchanges, exchanges, is_status, recorded_statuses


def _statuses(name: str) -> list[dict[str, Any]]:
    found = []
    for ex in exchanges(name):
        for item in ex.body if isinstance(ex.body, list) else [ex.body]:
            if is_status(item):
                found.append(item)
    assert found, f"no statuses in {name}"
    return found


def _first(name: str, pred: Any) -> dict[str, Any]:
    for status in _statuses(name):
        if pred(status):
            return status
    raise AssertionError(f"no matching status in {name}")


def test_every_recorded_status_converts_and_round_trips() -> None:
    statuses = recorded_statuses()
    assert len(statuses) > 150
    for data in statuses:
        post = to_post(data)
        assert post.network == "mastodon"
        assert post.created_at.tzinfo is not None
        assert "<p>" not in post.text
        assert "</a>" not in post.text
        assert Post.model_validate_json(post.model_dump_json()) == post


def test_status_with_media_keeps_alt_text_kind_and_size() -> None:
    data = _first("test_media_post_multiple.yaml", lambda s: s["media_attachments"])
    post = to_post(data)
    assert len(post.media) == len(data["media_attachments"])
    first, raw = post.media[0], data["media_attachments"][0]
    assert first.url == raw["url"]
    assert first.kind == {"image": "image", "video": "video", "gifv": "gif", "audio": "audio"}[raw["type"]]
    assert first.alt_text == (raw["description"] or None)
    assert first.width == raw["meta"]["original"]["width"]


def test_status_with_poll_reads_text_and_counts() -> None:
    data = _first("test_public_tl.yaml", lambda s: s.get("poll"))
    post = to_post(data)
    assert post.raw is not None
    assert post.raw["poll"]["options"] == data["poll"]["options"]
    assert post.text == html_to_text(data["content"])


def test_status_with_card_has_the_link() -> None:
    data = _first("test_status_card.yaml", lambda s: s.get("card"))
    post = to_post(data)
    assert data["card"]["url"] in post.links
    # Mastodon hides "http://" in an invisible span; the text reads the whole URL.
    assert post.text == "http://example.org/"


def test_quote_post_names_the_quoted_status_and_drops_the_inline_fallback() -> None:
    data = _first("test_status_reply_with_quote.yaml", lambda s: s.get("quote"))
    post = to_post(data)
    assert post.quote_of == data["quote"]["quoted_status"]["id"]
    assert "RE:" not in post.text


def test_reblog_describes_the_boosted_status_with_the_booster() -> None:
    data = _first("test_status_reblog_visibility.yaml", lambda s: s.get("reblog"))
    post = to_post(data)
    inner = data["reblog"]
    assert post.id == inner["id"] != data["id"]
    assert post.author.id == inner["account"]["id"]
    assert post.reposted_by is not None
    assert post.reposted_by.id == data["account"]["id"]
    assert post.text == html_to_text(inner["content"])
    assert post.raw is not None
    assert post.raw["id"] == data["id"]


def test_edited_status_has_edited_at() -> None:
    data = _first("test_status_edit.yaml", lambda s: s.get("edited_at"))
    post = to_post(data)
    assert post.edited_at is not None
    assert post.edited_at >= post.created_at


def test_visibility_content_warning_and_language() -> None:
    cw = to_post(_statuses("test_status_post[Content warning-private].yaml")[0])
    assert cw.visibility == "followers"  # Mastodon's "private"
    assert cw.content_warning == "Content warning"
    assert to_post(_statuses("test_status_post[None-direct].yaml")[0]).visibility == "direct"
    unlisted = to_post(_statuses("test_status_post[None-unlisted].yaml")[0])
    assert unlisted.visibility == "unlisted"
    assert unlisted.content_warning is None
    assert unlisted.language == "en"


def test_tags_and_mentions_come_from_the_status_fields() -> None:
    tagged = _first("test_pagination_iterator.yaml", lambda s: s["tags"])
    post = to_post(tagged)
    assert post.tags == tuple(t["name"].lower() for t in tagged["tags"])
    mentioned = _first("test_notifications.yaml", lambda s: s["mentions"])
    assert to_post(mentioned).mentions == tuple(m["acct"] for m in mentioned["mentions"])


def test_context_and_replies() -> None:
    ex = next(
        e
        for e in exchanges("test_status_context.yaml")
        if isinstance(e.body, dict) and "descendants" in e.body
    )
    assert ex.body == {"ancestors": [], "descendants": []}  # the recording has a lone status
    replies = [s for s in recorded_statuses() if s["in_reply_to_id"] is not None]
    assert replies
    for data in replies:
        post = to_post(data)
        assert post.reply_to == data["in_reply_to_id"]


def test_account_with_profile_fields() -> None:
    ex = next(
        e for e in exchanges("test_account_lookup.yaml") if isinstance(e.body, dict) and e.body.get("fields")
    )
    account = to_account(ex.body)
    assert account.handle == ex.body["acct"]
    assert account.bio == html_to_text(ex.body["note"])
    assert account.followers == ex.body["followers_count"]
    assert account.raw is not None
    assert account.raw["fields"] == ex.body["fields"]
    assert Account.model_validate_json(account.model_dump_json()) == account


def test_recorded_notifications_convert() -> None:
    found = [
        item
        for ex in exchanges("test_notifications.yaml") + exchanges("test_notifications_types.yaml")
        if "/notifications" in ex.uri and isinstance(ex.body, list)
        for item in ex.body
    ]
    assert found
    for data in found:
        note = to_notification(data)
        assert note.kind in ("mention", "reply")
        assert note.account is not None
        assert note.account.id == data["account"]["id"]
        assert note.post is not None
        assert note.post.id == data["status"]["id"]
        assert Notification.model_validate_json(note.model_dump_json()) == note


def test_every_mastodon_notification_type_has_a_kind() -> None:
    """Mastodon 4.x types (docs: entities/Notification): the five with a neutral kind, the rest 'other'."""
    expected = {
        "mention": "mention",
        "favourite": "like",
        "reblog": "repost",
        "follow": "follow",
        "quote": "quote",
        "status": "other",
        "follow_request": "other",
        "poll": "other",
        "update": "other",
        "quoted_update": "other",
        "admin.sign_up": "other",
        "admin.report": "other",
        "severed_relationships": "other",
        "moderation_warning": "other",
    }
    for kind, neutral in expected.items():
        assert notification_kind({"type": kind}) == neutral
    reply = {"type": "mention", "status": {"in_reply_to_id": "1", "in_reply_to_account_id": "7"}}
    assert notification_kind(reply, me_id="7") == "reply"
    assert notification_kind(reply, me_id="8") == "mention"  # a mention inside someone else's thread


def test_instance_v2_configuration_gives_the_limits() -> None:
    ex = next(e for e in exchanges("test_instance.yaml") if "/api/v2/instance" in e.uri)
    limits = InstanceLimits.from_instance(ex.body)
    statuses = ex.body["configuration"]["statuses"]
    assert limits.max_characters == statuses["max_characters"]
    assert limits.url_length == statuses["characters_reserved_per_url"]
    assert limits.max_media == statuses["max_media_attachments"]
    assert limits.poll_max_options == ex.body["configuration"]["polls"]["max_options"]


def test_instance_v1_configuration_gives_the_same_limits() -> None:
    ex = next(e for e in exchanges("test_instance_v1.yaml") if "/api/v1/instance" in e.uri)
    limits = InstanceLimits.from_instance(ex.body)
    assert limits.max_characters == ex.body["configuration"]["statuses"]["max_characters"]


def test_pleroma_style_limits() -> None:
    limits = InstanceLimits.from_instance({"max_toot_chars": 5000, "poll_limits": {"max_options": 20}})
    assert limits.max_characters == 5000
    assert limits.poll_max_options == 20


def _with_link(ex: Exchange) -> bool:
    return "link" in ex.headers and 'rel="next"' in ex.headers["link"]


def test_recorded_link_headers_carry_max_id_cursors() -> None:
    import requests

    linked = [ex for ex in all_exchanges() if _with_link(ex)]
    assert linked
    for ex in linked:
        links = {item["rel"]: item["url"] for item in requests.utils.parse_header_links(ex.headers["link"])}
        assert "max_id=" in links["next"] or "offset=" in links["next"]
        if isinstance(ex.body, list) and ex.body and "max_id=" in links["next"] and is_status(ex.body[-1]):
            # The next page starts below the last item of this one.
            assert links["next"].split("max_id=")[1].split("&")[0] == ex.body[-1]["id"]


def test_recorded_rate_limit_reset_is_iso8601_and_parsed() -> None:
    ex = next(e for e in all_exchanges() if "x-ratelimit-reset" in e.headers and "date" in e.headers)
    reset = ex.headers["x-ratelimit-reset"]
    assert "T" in reset  # Mastodon sends ISO-8601
    wait = wait_from_headers(ex.headers)
    expected = (
        datetime.fromisoformat(reset.replace("Z", "+00:00"))
        - datetime.strptime(ex.headers["date"], "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=timezone.utc)
    ).total_seconds()
    assert wait is not None
    assert wait == pytest.approx(max(0.0, expected), abs=1.0)


def test_epoch_rate_limit_reset_is_parsed_too() -> None:
    date = "Thu, 26 Nov 2026 12:00:00 GMT"
    epoch = int(datetime(2026, 11, 26, 12, 0, 30, tzinfo=timezone.utc).timestamp())
    assert wait_from_headers({"X-RateLimit-Reset": str(epoch), "Date": date}) == pytest.approx(30, abs=0.01)
    iso = "2026-11-26T12:00:45.000Z"
    assert wait_from_headers({"X-RateLimit-Reset": iso, "Date": date}) == pytest.approx(45, abs=0.01)


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>one</p><p>two</p>", "one\n\ntwo"),
        ("<p>line<br>next<br />last</p>", "line\nnext\nlast"),
        ("<p>a &amp; b &lt;3 &quot;q&quot; &#39;s&#39;</p>", "a & b <3 \"q\" 's'"),
        (
            '<p><a href="https://example.com/a/long/path" rel="nofollow noopener"><span class="invisible">'
            'https://</span><span class="ellipsis">example.com/a/lo</span><span class="invisible">ng/path'
            "</span></a></p>",
            "https://example.com/a/long/path",
        ),
        (
            '<p><span class="h-card"><a href="https://x/@bob" class="u-url mention">@<span>bob</span></a>'
            '</span> hi <a href="https://x/tags/Tag" class="mention hashtag" rel="tag">'
            "#<span>Tag</span></a></p>",
            "@bob hi #Tag",
        ),
        ("plain text from Pleroma<br>with a break", "plain text from Pleroma\nwith a break"),
        ("", ""),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_recorded_error_bodies_have_server_messages() -> None:
    """The 422/404/401 bodies Mastodon sends carry the 'error' text the backend puts in server_message."""
    seen = {}
    for name in ("test_status_empty.yaml", "test_account_lookup.yaml", "test_unauthed_home_tl_throws.yaml"):
        for ex in exchanges(name):
            if ex.status >= 400:
                assert isinstance(ex.body, dict)
                assert ex.body.get("error")
                seen[ex.status] = ex.body["error"]
    assert {401, 404, 422} <= seen.keys()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-08-01T13:59:50.763Z", datetime(2026, 8, 1, 13, 59, 50, 763000, tzinfo=timezone.utc)),
        ("2026-08-01T13:59:50.7Z", datetime(2026, 8, 1, 13, 59, 50, 700000, tzinfo=timezone.utc)),
        ("2026-08-01T13:59:50.123456789Z", datetime(2026, 8, 1, 13, 59, 50, 123456, tzinfo=timezone.utc)),
        ("2026-08-01T13:59:50Z", datetime(2026, 8, 1, 13, 59, 50, tzinfo=timezone.utc)),
        ("2026-08-01T15:59:50.12+02:00", datetime(2026, 8, 1, 13, 59, 50, 120000, tzinfo=timezone.utc)),
        ("2026-08-01", datetime(2026, 8, 1, tzinfo=timezone.utc)),
    ],
)
def test_dates_from_any_server(value: str, expected: datetime) -> None:
    """Mastodon sends milliseconds, others 0 to 9 fraction digits (Python 3.10 reads only 3 or 6)."""
    assert as_datetime(value) == expected


def test_scheduled_status_is_a_post_dated_when_it_will_appear() -> None:
    """A ScheduledStatus as Mastodon's API documentation shows it (the recordings have none)."""
    author = Account(network="mastodon", id="1", handle="alice")
    data = {
        "id": "3221",
        "scheduled_at": "2026-12-24T10:00:00.000Z",
        "params": {
            "text": "later",
            "in_reply_to_id": None,
            "language": "en",
            "spoiler_text": "",
            "visibility": "private",
            "media_ids": None,
            "poll": None,
        },
        "media_attachments": [],
    }
    post = to_scheduled_post(data, author=author)
    assert (post.id, post.text, post.visibility, post.language) == ("3221", "later", "followers", "en")
    assert post.created_at == datetime(2026, 12, 24, 10, tzinfo=timezone.utc)
    assert post.content_warning is None
    assert post.reply_to is None
    assert post.raw == {"scheduled_status": data}
    with pytest.raises(NetworkUnavailable, match="malformed"):
        to_scheduled_post({**data, "scheduled_at": "soon"}, author=author)
