"""Record the Bluesky post views the conversion bench and tests read (``tests/fixtures/bluesky/``).

Starts the reference AT Protocol stack on loopback (as the test harness
does), publishes a varied set of posts from two accounts through the
backend (hashtags, links, mentions, Arabic text, replies, quotes, images
with alt text, link cards, content warnings), and writes the AppView's own
``app.bsky.feed.defs#postView`` objects for them, as ``getAuthorFeed``
answered, to ``tests/fixtures/bluesky/post_views.json``. Run from the
repository root, with the npm packages installed
(``bash tests/servers/bluesky/install.sh``):

    python bench/record_bluesky_views.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from bench_bluesky import PASSWORD, create_account, signed_in

import decentsocial as ds
from tests.images import png
from tests.servers.bluesky import BlueskyStack

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "bluesky" / "post_views.json"
TOPICS = ["launch", "spring sale", "new store", "support hours", "community meetup"]
ARABIC = [
    "مرحبا بكم في متجرنا الجديد #عرض",
    "تخفيضات الربيع تبدأ اليوم على كل المنتجات",
    "شكرا لكل من حضر لقاء المجتمع أمس ❤️",
    "ساعات الدعم الجديدة: من التاسعة صباحا حتى الخامسة",
    "اكتشف مجموعتنا الجديدة https://shop.example/ar",
]


def _publish_all(brand: Any, fan: Any, fan_handle: str) -> None:
    """About a hundred posts of every shape a brand's feed carries."""
    mine: list[Any] = []
    for i, topic in enumerate(TOPICS * 6):
        text = f"Our {topic}, part {i}: details at https://shop.example/{i} #acme #{topic.split()[0]}"
        if i % 3 == 0:
            text += f" thanks @{fan_handle}"
        mine.append(brand.publish(ds.Draft(text=text, language="en")))
    for i, text in enumerate(ARABIC * 3):
        mine.append(brand.publish(ds.Draft(text=f"{text} ({i})", language="ar")))
    for i in range(10):
        image = ds.Media(data=png(4 + i, 3 + i), mime_type="image/png", alt_text=f"product photo {i}")
        mine.append(brand.publish(ds.Draft(text=f"New product photo {i} #acme", media=(image,))))
    for i in range(6):
        link = ds.LinkCard(
            url=f"https://shop.example/post/{i}", title=f"Store news {i}", description="What is new this week"
        )
        mine.append(brand.publish(ds.Draft(text=f"Read more: https://shop.example/post/{i}", link=link)))
    for i in range(4):
        mine.append(brand.publish(ds.Draft(text=f"Behind the scenes {i}", content_warning="spoiler")))
    time.sleep(3)  # replies and quotes wait for the AppView to index their targets (index_wait too)
    for i, target in enumerate(mine[:15]):
        fan.reply(target, f"Love this, {i}! #acme")
    for i, target in enumerate(mine[15:25]):
        fan.publish(ds.Draft(text=f"Look at this one {i}", quote_of=target.id))
    for i, target in enumerate(mine[25:35]):
        brand.reply(target, f"More on this soon ({i})")


def _views(base_url: str, handle: str) -> list[dict[str, Any]]:
    """Every post view of ``handle``'s feed, as the AppView answered (through its PDS)."""
    did, headers = signed_in(base_url, handle)
    views: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"actor": did, "limit": 100, "filter": "posts_with_replies"}
        if cursor:
            params["cursor"] = cursor
        page = httpx.get(
            f"{base_url}/xrpc/app.bsky.feed.getAuthorFeed", params=params, headers=headers, timeout=60
        ).json()
        views += [item["post"] for item in page["feed"]]
        cursor = page.get("cursor")
        if not cursor or not page["feed"]:
            return views


def main() -> None:
    stack = BlueskyStack.start()
    try:
        base_url = stack.pds_url
        brand_handle, fan_handle = create_account(base_url, "brand"), create_account(base_url, "fan")
        brand = ds.connect("bluesky", base_url=base_url, handle=brand_handle, password=PASSWORD)
        fan = ds.connect("bluesky", base_url=base_url, handle=fan_handle, password=PASSWORD)
        with brand, fan:
            _publish_all(brand, fan, fan_handle)
        time.sleep(3)  # the last writes indexed
        views = _views(base_url, brand_handle) + _views(base_url, fan_handle)
    finally:
        stack.stop()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(views, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(views)} post views written to {OUT}")


if __name__ == "__main__":
    main()
