"""Contract cases: identity, publishing and reading back, replies, engagement."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, SecretBytes, SecretStr

from decentsocial import (
    BaseNetwork,
    Capability,
    ContentRejected,
    Draft,
    InvalidInput,
    Media,
    Network,
    Poll,
    Post,
    Reward,
)

from ..harness import Harness
from .checks import (
    check_post,
    gone,
    handle_of,
    ids,
    listed_newest_first,
    need,
    need_live,
    need_writes,
    page_size,
    png,
    sample,
)

# ---------------------------------------------------------------- identity and profiles


def test_identity(harness: Harness) -> None:
    h = harness
    assert isinstance(h.me, Network)
    assert h.me.name == h.other.name == h.name, "the class's name must be the name it is registered under"
    assert isinstance(h.me.capabilities, frozenset)
    assert all(isinstance(c, Capability) for c in h.me.capabilities)


def test_me_and_account(harness: Harness) -> None:
    h = harness
    need(h, Capability.PROFILE)
    if not h.live:
        acct = h.me.account(sample(h, "account"))
        assert acct.network == h.me.name
        assert acct.handle
        return
    me, other = h.me.me(), h.other.me()
    assert me.network == other.network == h.me.name
    assert me.handle
    assert other.handle
    assert me.id != other.id
    seen = h.other.account(me.handle)
    assert seen.id == me.id


#: Words in a setting's name that say it holds a secret; parts of a word that do (``apikey``,
#: ``passwd``, ``authToken``); and words that say it only names or finds one.
SECRET_WORDS = frozenset(
    {"token", "key", "secret", "password", "passphrase", "nsec", "private", "credentials"}
    | {"auth", "pass", "pwd", "bearer", "cookie", "mnemonic", "seed", "wif", "credential"}
)
SECRET_PARTS = ("token", "secret", "passw", "apikey", "privkey", "mnemonic", "bearer", "credential")
NOT_SECRET_WORDS = frozenset({"env", "keyring", "public", "path", "file", "url", "id", "name", "allow"})


def secret_name(name: str) -> bool:
    """Whether a setting called ``name`` holds a secret by its name."""
    words = set(name.lower().split("_"))
    secret = words & SECRET_WORDS or any(part in word for word in words for part in SECRET_PARTS)
    return bool(secret) and not words & NOT_SECRET_WORDS


def plain_secret_settings(settings: object) -> list[str]:
    """Settings whose name says secret but whose value is plain text (not ``SecretStr``): it would leak."""
    found = []
    for name in type(settings).model_fields if isinstance(settings, BaseModel) else ():
        value = getattr(settings, name)
        if secret_name(name) and isinstance(value, (str, bytes)) and value:
            found.append(name)
    return found


def secret_values(settings: object) -> dict[str, str]:
    """Each secret setting with a value (``SecretStr``/``SecretBytes``): name -> its text."""
    found = {}
    for name in type(settings).model_fields if isinstance(settings, BaseModel) else ():
        reveal = getattr(getattr(settings, name), "get_secret_value", None)
        secret = reveal() if callable(reveal) else None
        if isinstance(secret, bytes):
            secret = secret.decode("utf-8", "replace")
        if isinstance(secret, str) and secret:
            found[name] = secret
    return found


def with_secrets(h: Harness, secrets: dict[str, str]) -> Network | None:
    """A connection as ``me`` with these secrets in place of its own; ``None`` where none can be built."""
    settings = getattr(h.me, "settings", None)
    if not isinstance(settings, BaseModel):
        return None
    update = {
        name: SecretBytes(value.encode())
        if isinstance(getattr(settings, name), SecretBytes)
        else SecretStr(value)
        for name, value in secrets.items()
    }
    backend: Any = type(h.me)
    try:
        with warnings.catch_warnings():  # said once by the harness's own connections already
            warnings.simplefilter("ignore")
            built: Network = backend(settings.model_copy(update=update), retry=getattr(h.me, "retry", None))
    except Exception:  # the backend checks its secrets' form (a Nostr or Hive key): none can be built
        return None
    return built


def test_secrets_not_in_repr(harness: Harness) -> None:
    h = harness
    settings = getattr(h.me, "settings", None)
    plain = plain_secret_settings(settings)
    assert not plain, f"{', '.join(plain)}: a secret setting must be a SecretStr, never plain text"
    secrets = secret_values(settings)
    if not secrets:
        pytest.skip(f"{h.name}: the harness's connection has no secret setting with a value")
    # Secrets no other text can hold by chance (the harness's own may be as short as "me").
    marked = {name: f"contract-secret-{h.unique()}" for name in secrets}
    nets: list[tuple[Network, list[str]]] = [(h.me, [s for s in secrets.values() if len(s) >= 8])]
    marked_net = with_secrets(h, marked)
    if marked_net is not None:
        nets.append((marked_net, list(marked.values())))
    try:
        for net, shown in nets:
            net_settings = getattr(net, "settings", None)
            for text in (repr(net), str(net), repr(net_settings), str(net_settings)):
                assert not any(secret in text for secret in shown), "a secret setting's value is shown"
    finally:
        if marked_net is not None:
            marked_net.close()


def test_identity_survives_a_rotated_secret(harness: Harness) -> None:
    """The same account with a new token is the same ``identity``: its idempotency records and crosspost
    keys stay valid, so a re-run after a token refresh never posts twice."""
    h = harness
    secrets = secret_values(getattr(h.me, "settings", None))
    if not secrets:
        pytest.skip(f"{h.name}: the harness's connection has no secret setting with a value")
    again = with_secrets(h, {name: f"rotated-{h.unique()}" for name in secrets})
    if again is None:
        pytest.skip(f"{h.name}: no connection with another secret can be built here (it checks its form)")
    try:
        try:
            identity = again.identity
        except Exception as exc:  # a key that names the account (Nostr) is checked when read
            pytest.skip(f"{h.name}: the account is named by its secret here ({type(exc).__name__})")
        if identity != h.me.identity and type(h.me).identity is not BaseNetwork.identity:
            # The backend's own rule: where no setting names the account, only its secret does.
            pytest.skip(f"{h.name} names this harness's account by its secret (no setting names it)")
        assert identity == h.me.identity, (
            "identity changed with the secret: override BaseNetwork.identity to return the server and "
            "the account's stable id (see docs/backends.md)"
        )
    finally:
        again.close()


# ---------------------------------------------------------------- publishing and reading back


def test_publish_and_read_back(harness: Harness) -> None:
    h = harness
    need_writes(h)
    word, tag = h.unique("word"), h.unique("tag")
    post = h.me.publish(f"contract {word} #{tag}")
    check_post(post, h.me)
    assert word in post.text
    assert tag in post.tags
    if Capability.PROFILE in h.me.capabilities:  # without it, the read-back's author is compared below
        assert post.author.handle == handle_of(h.me)
    need(h, Capability.READ)

    def read_back() -> None:
        got = h.other.get_post(post.id)
        check_post(got, h.other)
        assert got.id == post.id
        assert word in got.text
        assert tag in got.tags
        assert got.author.handle == post.author.handle

    h.eventually(read_back)


def test_read_sample_post(harness: Harness) -> None:
    h = harness
    need(h, Capability.READ)
    if h.live:
        pytest.skip(f"{h.name} is live: test_publish_and_read_back covers reading")
    post = h.me.get_post(sample(h, "post"))
    check_post(post, h.me)


def test_publish_empty_is_rejected(harness: Harness) -> None:
    h = harness
    need(h, Capability.PUBLISH)
    with pytest.raises(ContentRejected):
        h.me.publish("")
    with pytest.raises(ContentRejected):
        h.me.publish("   \n ")
    with pytest.raises(ContentRejected):
        h.me.publish(Draft(text=""))


def test_publish_too_long_is_rejected(harness: Harness) -> None:
    h = harness
    need(h, Capability.PUBLISH)
    with pytest.raises(ContentRejected) as caught:
        h.me.publish("a" * 100_001)
    assert caught.value.network == h.me.name


def test_idempotent_publish(harness: Harness) -> None:
    h = harness
    need_writes(h, Capability.IDEMPOTENT_PUBLISH)
    key = h.unique("key")
    word = h.unique("idem")
    first = h.me.publish(Draft(text=f"contract once {word}", idempotency_key=key))
    again = h.me.publish(Draft(text=f"contract once {word}", idempotency_key=key))
    assert again.id == first.id
    restarted = h.fresh_me()  # keys outlive the connection: a retry may come from another process
    try:
        later = restarted.publish(Draft(text=f"contract once {word}", idempotency_key=key))
    finally:
        restarted.close()
    assert later.id == first.id, "a new connection posted again: keep keys beyond the connection object"
    if Capability.POSTS in h.me.capabilities:

        def exactly_one() -> None:
            found = [p for p in h.me.posts(limit=20) if word in p.text]
            assert len(found) == 1, f"{len(found)} posts for one idempotency key"

        h.eventually(exactly_one)


def test_a_key_used_for_other_content_is_refused(harness: Harness) -> None:
    """One idempotency key, one draft: reused with other text it is InvalidInput, and nothing is posted."""
    h = harness
    need(h, Capability.PUBLISH)
    need_live(h)
    key = h.unique("key")
    word = h.unique("edited")
    first = h.me.publish(Draft(text=f"contract first {word}", idempotency_key=key))
    with pytest.raises(InvalidInput, match="different content") as caught:
        h.me.publish(Draft(text=f"contract second {word}", idempotency_key=key))
    assert caught.value.network == h.me.name
    if Capability.READ in h.me.capabilities:
        assert h.eventually(lambda: h.me.get_post(first.id)).text.startswith("contract first")
    if Capability.POSTS in h.me.capabilities:

        def only_the_first() -> None:
            found = [p.id for p in h.me.posts(limit=20) if word in p.text]
            assert found == [first.id], f"the refused draft was posted anyway: {found}, expected [{first.id}]"

        h.eventually(only_the_first)


def test_publish_with_media(harness: Harness) -> None:
    h = harness
    need_writes(h, Capability.MEDIA)
    word = h.unique("media")
    image = Media(kind="image", data=png(), mime_type="image/png", alt_text="one pixel")
    post = h.me.publish(Draft(text=f"contract image {word}", media=(image,)))
    check_post(post, h.me)
    assert len(post.media) == 1
    assert post.media[0].kind == "image"
    if Capability.READ not in h.me.capabilities:
        return

    def read_back() -> None:
        # What ``publish`` returned may be the draft echoed back: the image must be on the network.
        media = h.other.get_post(post.id).media
        assert [m.kind for m in media] == ["image"], f"the post reads back with media {media}"

    h.eventually(read_back)


def test_publish_with_poll(harness: Harness) -> None:
    h = harness
    need_writes(h, Capability.POLL)
    word = h.unique("poll")
    post = h.me.publish(Draft(text=f"contract poll {word}", poll=Poll(options=("yes", "no"))))
    check_post(post, h.me)
    assert word in post.text


def test_publish_scheduled(harness: Harness) -> None:
    h = harness
    need_writes(h, Capability.SCHEDULE)
    word = h.unique("later")
    when = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=2)
    post = h.me.publish(Draft(text=f"contract scheduled {word}", scheduled_at=when))
    assert post.network == h.me.name
    assert post.id
    assert abs(post.created_at - when) < timedelta(minutes=1)
    if Capability.SEARCH in h.me.capabilities:
        assert word not in " ".join(p.text for p in h.other.search(word, limit=5)), "published too early"


def test_quote(harness: Harness) -> None:
    h = harness
    need_writes(h, Capability.QUOTE)
    quoted = h.me.publish(f"contract quoted {h.unique()}")
    draft = Draft(text=f"contract quoting {h.unique()}", quote_of=quoted.id)
    quote = h.eventually(lambda: h.other.publish(draft))
    check_post(quote, h.other)
    assert quote.quote_of == quoted.id
    if Capability.READ in h.me.capabilities:

        def counted() -> None:
            # What ``publish`` returned may be the draft echoed back: the quote must read back as one.
            assert h.me.get_post(quote.id).quote_of == quoted.id, "the quote reads back quoting nothing"
            quotes = h.me.get_post(quoted.id).metrics.quotes
            assert quotes is None or quotes == 1

        h.eventually(counted)


def test_delete_then_not_found(harness: Harness) -> None:
    h = harness
    need_writes(h, Capability.DELETE)
    post = h.me.publish(f"contract delete me {h.unique()}")
    h.me.delete(post)
    need(h, Capability.READ)
    h.eventually(gone(h.me, post.id, "deleted"))


# ---------------------------------------------------------------- replies and threads


def test_reply(harness: Harness) -> None:
    h = harness
    need_writes(h, Capability.REPLY)
    root = h.me.publish(f"contract root {h.unique()}")
    reply = h.other.reply(root, f"contract reply {h.unique()}")
    check_post(reply, h.other)
    assert reply.reply_to == root.id
    assert reply.root_id in (None, root.id)
    by_id = h.eventually(lambda: h.me.reply(root.id, f"contract reply by id {h.unique()}"))
    assert by_id.reply_to == root.id
    if Capability.READ in h.me.capabilities:

        def read_back() -> None:
            # What ``reply`` returned may be the draft echoed back: the replies must read back as replies.
            for made in (reply, by_id):
                assert h.me.get_post(made.id).reply_to == root.id, f"{made.id} reads back as no reply"

        h.eventually(read_back)


def test_thread_order(harness: Harness) -> None:
    h = harness
    need(h, Capability.PUBLISH, Capability.REPLY, Capability.THREAD)
    if not h.live:
        thread = h.me.thread(sample(h, "post"))
        assert thread
        assert thread[0].id == sample(h, "post")
        return
    root = h.me.publish(f"contract thread {h.unique()}")
    first = h.other.reply(root, f"contract first {h.unique()}")
    second = h.me.reply(first, f"contract second {h.unique()}")
    assert second.reply_to == first.id
    assert second.root_id in (None, root.id)

    def ordered() -> None:
        thread = ids(h.me.thread(root))
        assert thread[0] == root.id, "the root comes first"
        assert first.id in thread
        assert second.id in thread
        assert thread.index(first.id) < thread.index(second.id)

    h.eventually(ordered)


# ---------------------------------------------------------------- engagement


def test_like_and_unlike(harness: Harness) -> None:
    h = harness
    need_writes(h, Capability.LIKE)
    post = h.me.publish(f"contract like {h.unique()}")
    h.other.like(post)
    if Capability.READ not in h.me.capabilities:
        h.other.unlike(post)
        return

    h.eventually(like_count(h, post.id, 1, "after a like"))
    h.other.like(post.id)  # liking again changes nothing: still one like
    h.eventually(like_count(h, post.id, 1, "after liking twice"))
    h.other.unlike(post.id)
    h.eventually(like_count(h, post.id, 0, "after unlike"))


def test_vote_weight(harness: Harness) -> None:
    h = harness
    need(h, Capability.VOTE)
    with pytest.raises(InvalidInput):
        h.other.vote("contract-any-post", 150)
    with pytest.raises(InvalidInput):
        h.other.vote("contract-any-post", -101)
    need_writes(h)
    post = h.me.publish(f"contract vote {h.unique()}")
    h.other.vote(post, 50)
    if Capability.READ not in h.me.capabilities:
        return
    # A vote counts as one like, however often it is cast, and weight 0 takes it back.
    h.other.vote(post, 50)
    h.eventually(like_count(h, post.id, 1, "after voting twice"))
    if Capability.REWARDS in h.me.capabilities:
        # The weight itself shows where a vote earns: half a vote never earns what a full one does.
        h.other.vote(post, 100)
        full = h.eventually(lambda: earned(h.me.rewards(post.id)))
        h.other.vote(post, 50)

        def weighed() -> None:
            half = earned(h.me.rewards(post.id))
            if any(full.values()):
                assert half != full, (
                    f"a vote of 50 earns what a vote of 100 does ({full}): its weight is lost"
                )
            assert all(half.get(asset, 0) <= value for asset, value in full.items()), (
                f"a vote of 50 earns {half}, more than a vote of 100 ({full})"
            )

        h.eventually(weighed)
    h.other.vote(post, 0)
    h.eventually(like_count(h, post.id, 0, "after a vote of 0"))


def earned(reward: Reward) -> dict[str, Decimal]:
    """What a reward comes to, per asset."""
    totals: dict[str, Decimal] = {}
    for amount in reward.amounts:
        totals[amount.asset] = totals.get(amount.asset, Decimal(0)) + amount.value
    return totals


def like_count(h: Harness, post_id: str, expected: int, when: str) -> Callable[[], None]:
    """A check for ``Harness.eventually``: ``post_id`` has ``expected`` likes as ``me`` reads it."""

    def check() -> None:
        count = h.me.get_post(post_id).metrics.likes
        # None: the network does not say; a count it gives must be right.
        assert count is None or count == expected, f"likes {count} {when}, expected {expected}"

    return check


def test_repost(harness: Harness) -> None:
    h = harness
    need_writes(h, Capability.REPOST)
    post = h.me.publish(f"contract repost {h.unique()}")
    result = h.other.repost(post)
    assert result is None or isinstance(result, Post)
    need(h, Capability.READ)

    def counted() -> None:
        reposts = h.me.get_post(post.id).metrics.reposts
        assert reposts is None or reposts == 1, f"reposts {reposts}"

    h.eventually(counted)


def test_follow_and_timeline(harness: Harness) -> None:
    h = harness
    need(h, Capability.FOLLOW)
    need_live(h)
    other_handle = handle_of(h.other)
    counts = Capability.PROFILE in h.me.capabilities
    h.me.unfollow(other_handle)  # a follow left over from an earlier run would hide a broken follow
    before = h.me.account(other_handle).followers if counts else None
    h.me.follow(other_handle)
    feed = Capability.TIMELINE in h.me.capabilities and Capability.PUBLISH in h.me.capabilities
    try:
        if feed:
            word = h.unique("feed")
            earlier = h.other.publish(f"contract timeline {h.unique('earlier')}")
            post = h.other.publish(f"contract timeline {word}")

            def in_feed() -> None:
                # Two pages: a network may date a burst of the reader's own notes a little ahead
                # of the clock (Nostr keeps them in order that way), above the new post.
                listed = list(h.me.timeline(limit=2 * page_size(h.me)))
                listed_newest_first(listed, post.id, earlier.id, "the timeline")

            h.eventually(in_feed)
        if before is not None:
            h.eventually(followers_of(h, other_handle, before + 1, "after follow"))
    finally:
        h.me.unfollow(other_handle)
    if before is not None:
        h.eventually(followers_of(h, other_handle, before, "after unfollow"))
    if feed:
        later = h.other.publish(f"contract timeline {h.unique('unfollowed')}")

        def not_in_feed() -> None:
            assert later.id not in ids(h.me.timeline(limit=2 * page_size(h.me))), (
                "a post of an account no longer followed is in the timeline"
            )

        h.eventually(not_in_feed)


def followers_of(h: Harness, handle: str, expected: int, when: str) -> Callable[[], None]:
    """A check for ``Harness.eventually``: ``handle`` has ``expected`` followers, as ``me`` reads it."""

    def check() -> None:
        followers = h.me.account(handle).followers
        assert followers is None or followers == expected, (
            f"{handle} has {followers} followers {when}, expected {expected}"
        )

    return check


__all__ = [name for name in list(globals()) if name.startswith("test_")]
