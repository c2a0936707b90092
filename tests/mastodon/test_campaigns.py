"""Campaigns on the real local Mastodon-API server: pause, resume, cancel, reschedule, recurrence, variants.

The sandbox versions are in tests/scheduler; here the jobs publish through
real HTTP to ``mastodon_mock`` (with its ``Idempotency-Key`` handling), the
profiles live in a temporary config.toml and name their tokens by
environment variable, as a deployment's would.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

import decentsocial as ds
from decentsocial.backends.mastodon import MastodonNetwork
from decentsocial.scheduler import Scheduler
from tests.images import png
from tests.mastodon.server_fixtures import local_server  # noqa: F401 - the server fixture
from tests.scheduler.profiles import add_mastodon_profiles, write_profiles
from tests.servers.mastodon import MastodonServer

ALICE = "brand-mastodon-alice"
BOB = "brand-mastodon-bob"


class Clock:
    """The scheduler's notion of now, moved by the test (the server keeps its own real time)."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def profiles(tmp_path: Path, server: MastodonServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sandbox profiles of tests/scheduler plus brand-mastodon-alice and -bob on the local server."""
    config = tmp_path / "config.toml"
    write_profiles(config, tmp_path)
    tokens = {name: server.tokens[name] for name in ("alice", "bob")}
    for variable, token in add_mastodon_profiles(config, server.base_url, tokens).items():
        monkeypatch.setenv(variable, token)
    monkeypatch.setenv("DECENTSOCIAL_CONFIG", str(config))
    return tmp_path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sched(profiles: Path, clock: Clock) -> Iterator[Scheduler]:
    with Scheduler(profiles / "campaign.db", now=clock) as s:
        yield s


@pytest.fixture
def alice(server: MastodonServer) -> Iterator[MastodonNetwork]:
    net = server.connect("alice")
    yield net
    net.close()


def unique(text: str) -> str:
    """A text no other test on the shared server posts."""
    return f"{text} {uuid.uuid4().hex[:8]}"


def posted(net: ds.Network, text: str) -> list[ds.Post]:
    """The account's posts with exactly this text (newest first)."""
    return [p for p in net.posts(limit=200) if p.text == text]


def test_pause_resume_cancel_and_reschedule_on_mastodon(
    sched: Scheduler, clock: Clock, alice: MastodonNetwork
) -> None:
    first, second, third = (unique(t) for t in ("first", "second", "third"))
    soon = clock.now + timedelta(minutes=10)
    jobs = [sched.schedule(t, [ALICE], at=soon) for t in (first, second, third)]
    assert sorted(sched.pause()) == sorted(j.id for j in jobs)
    clock.advance(minutes=30)
    assert sched.run_pending() == 0  # paused jobs wait
    assert posted(alice, first) == []
    assert sched.resume(jobs[0].id) == [jobs[0].id]
    sched.cancel(jobs[2].id)
    sched.reschedule(jobs[1].id, clock.now + timedelta(hours=2))
    assert sched.resume() == [jobs[1].id]
    assert sched.run_pending() == 1
    (post,) = posted(alice, first)
    assert sched.job(jobs[0].id).post_ids == [post.id]
    assert posted(alice, second) == []  # moved two hours on
    clock.advance(hours=2)
    assert sched.run_pending() == 1
    assert [p.id for p in posted(alice, second)] == sched.job(jobs[1].id).post_ids
    assert posted(alice, third) == []
    assert [sched.job(j.id).status for j in jobs] == ["done", "done", "cancelled"]
    assert sched.run_pending() == 0


def test_a_recurring_job_posts_each_occurrence_once_on_mastodon(
    sched: Scheduler, clock: Clock, alice: MastodonNetwork
) -> None:
    text = unique("evergreen tip")
    job = sched.schedule(
        text, [ALICE], at=clock.now, every=timedelta(hours=1), until=clock.now + timedelta(hours=2)
    )
    for _ in range(5):
        sched.run_pending()
        clock.advance(hours=1)
    done = sched.job(job.id)
    assert done.status == "done"
    assert [o.occurrence for o in done.outcomes] == [0, 1, 2]
    # each occurrence has its own key, so the server's Idempotency-Key does not fold them into one
    assert sorted(p.id for p in posted(alice, text)) == sorted(done.post_ids)
    assert len(set(done.post_ids)) == 3


def test_pausing_a_running_job_finishes_the_target_in_flight_and_stops_before_the_next(
    sched: Scheduler, server: MastodonServer, alice: MastodonNetwork, profiles: Path
) -> None:
    text = unique("one target at a time")
    job = sched.schedule(text, [ALICE, "brand-a"], at=sched._now())
    rule = server.add_fault(
        {
            "match": {"methods": ["POST"], "path": "/api/v1/statuses"},
            "effect": {"type": "latency", "delay_ms": 1500},
            "count": 1,
        }
    )
    worker = threading.Thread(target=sched.run_pending)
    worker.start()
    deadline = time.monotonic() + 30
    while any(r["id"] == rule for r in httpx.get(f"{server.base_url}/api/v1/_mock/faults").json()):
        assert time.monotonic() < deadline, "the worker never sent its first target"
        time.sleep(0.02)
    assert sched.pause(job.id) == [job.id]  # the Mastodon post is in flight now, held by the server
    worker.join(timeout=30)
    paused = sched.job(job.id)
    assert paused.status == "paused"
    assert [o.target for o in paused.outcomes] == [ALICE]  # finished and recorded
    assert [p.id for p in posted(alice, text)] == paused.post_ids
    with ds.connect("sandbox", path=profiles / "a.db", account="brand") as sandbox:
        assert [p.text for p in sandbox.posts(limit=None)] == []  # the next target was not started
    sched.resume(job.id)
    assert sched.run_pending() == 1
    done = sched.job(job.id)
    assert done.status == "done"
    assert [o.target for o in done.outcomes] == [ALICE, "brand-a"]
    assert len(posted(alice, text)) == 1  # resuming never sends the finished target again


def test_variants_and_one_media_with_a_file_and_a_url_across_mastodon_and_the_sandbox(
    sched: Scheduler, alice: MastodonNetwork, server: MastodonServer, profiles: Path
) -> None:
    image = profiles / "launch.png"
    image.write_bytes(png(4, 4))
    public = "https://cdn.example/launch.png"
    media = ds.Media(path=image, url=public, alt_text="the launch banner")
    text = unique("the long form for the sandbox")
    short = unique("toot: launch!")
    job = sched.schedule(
        ds.Draft(text=text, media=(media,)),
        [ALICE, BOB, "brand-a"],
        at=sched._now(),
        variants={"mastodon": short, BOB: {"text": short, "media": [], "visibility": "unlisted"}},
    )
    assert sched.run_pending() == 1
    done = sched.job(job.id)
    assert done.status == "done", done.outcomes
    (toot,) = posted(alice, short)
    assert toot.id in done.post_ids
    (attached,) = toot.media  # Mastodon uploaded the file: the server hosts its own copy
    assert attached.url is not None
    assert attached.url.startswith(server.base_url)
    assert attached.alt_text == "the launch banner"
    with server.connect("bob") as bob:
        (bobs,) = posted(bob, short)
    assert bobs.media == ()
    assert bobs.visibility == "unlisted"
    with ds.connect("sandbox", path=profiles / "a.db", account="brand") as sandbox:
        (kept,) = sandbox.posts(limit=None)
    assert kept.text == text
    (stored,) = kept.media  # the sandbox keeps the bytes and the public URL beside them
    assert stored.data == image.read_bytes()
    assert stored.url == public


def test_a_variant_mastodon_refuses_is_caught_at_schedule_and_nothing_is_stored(sched: Scheduler) -> None:
    only_url = {"media": [ds.Media(url="https://cdn.example/launch.png")]}
    with pytest.raises(ds.ContentRejected, match=f"{ALICE}.*only a URL"):
        sched.schedule("hello", [ALICE, "brand-a"], at=sched._now(), variants={"mastodon": only_url})
    with pytest.raises(ds.InvalidInput, match="matches no target"):
        sched.schedule("hello", [ALICE], at=sched._now(), variants={"mastodn": "typo"})
    assert sched.jobs() == []
    job = sched.schedule("hello", [ALICE, "brand-a"], at=sched._now(), variants={"sandbox": only_url})
    assert job.variants["sandbox"].media[0].url == "https://cdn.example/launch.png"  # the sandbox takes URLs
