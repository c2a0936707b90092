"""One adapter per backend with a local server: how to connect through the proxy, which request is a
write, how to set up what a write acts on, and how to count a write's effects in the server's own state.

Setup goes straight to the server (never through the proxy); counting reads
the server's state directly (its test controls, its database-backed API, the
replay node's broadcast log, the relay's stored events), never the faulted
client's view.
"""

from __future__ import annotations

import contextlib
import json
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import httpx

import decentsocial as ds
from decentsocial.testing.harness import poll_until

from .proxy import Request

if TYPE_CHECKING:
    from tests.servers._jsonrpc_replay import ReplayServer
    from tests.servers._process import ContractServer
    from tests.servers.mastodon import MastodonServer

WRITES = ("publish", "reply", "like", "repost", "follow", "delete", "tip")


@dataclass
class Subject:
    """What one write acts on: a post (parent, target or the post to delete) and/or an account."""

    post: Any = None
    account: Any = None
    before: dict[str, int] = field(default_factory=dict)  # server counters before the write


def _indexed(post: ds.Post) -> ds.Post:
    """The post, once a Bluesky AppView has indexed it (before, it has no counts)."""
    assert post.metrics.likes is not None, "not indexed by the AppView yet"
    return post


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None, url
    return port


class Target:
    """A backend and its running local server."""

    name: ClassVar[str]
    writes: tuple[str, ...] = ()
    skipped: ClassVar[dict[str, str]] = {}  # write -> why it is not run
    upstream_port: int
    amount = ""

    def __init__(self, state_dir: Path, deadline: float) -> None:
        self.state_dir = state_dir
        self.deadline = deadline
        self._open: list[Any] = []
        self._owned: list[Any] = []

    def settings(self) -> dict[str, Any]:
        """Settings every faulted client gets: a short deadline and its own state store."""
        return {
            "limits": {"deadline": self.deadline},
            "state_path": str(self.state_dir / f"{self.name}-{uuid.uuid4().hex[:8]}.db"),
        }

    def keep(self, net: Any) -> Any:
        """A faulted client, closed after its case."""
        self._open.append(net)
        return net

    def own(self, net: Any) -> Any:
        """A direct connection for setting up, closed by :meth:`shutdown`."""
        self._owned.append(net)
        return net

    def close(self) -> None:
        for net in self._open:
            with contextlib.suppress(Exception):  # closing after faults: best effort
                net.close()
        self._open.clear()

    def shutdown(self) -> None:
        self.close()
        self._open, self._owned = self._owned, []
        self.close()

    # ------------------------------------------------------------------ per backend

    def client(self, proxy_url: str) -> Any:
        raise NotImplementedError

    def is_write(self, request: Request) -> bool:
        return request.method in ("POST", "PUT", "DELETE")

    def prepare(self, write: str) -> Subject:
        raise NotImplementedError

    def count(self, write: str, subject: Subject, text: str) -> int:
        """How many effects of this write the server holds (for delete: 1 if the post is still there)."""
        raise NotImplementedError


# ---------------------------------------------------------------------- Mastodon


class MastodonTarget(Target):
    name = "mastodon"
    writes = ("publish", "reply", "like", "repost", "follow", "delete")

    def __init__(self, server: MastodonServer, state_dir: Path, deadline: float) -> None:
        super().__init__(state_dir, deadline)
        self.server = server
        self.upstream_port = _port(server.base_url)
        self.alice = self.own(server.connect("alice"))
        self.bob = self.own(server.connect("bob"))
        self.alice_id = self._get("/api/v1/accounts/verify_credentials")["id"]
        self.bob_id = self._get("/api/v1/accounts/verify_credentials", "bob")["id"]

    def _get(self, path: str, account: str = "alice") -> Any:
        answer = httpx.get(
            self.server.base_url + path,
            headers={"Authorization": f"Bearer {self.server.tokens[account]}"},
            timeout=10,
        )
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        return answer.json()

    def client(self, proxy_url: str) -> Any:
        return self.keep(
            ds.connect(
                "mastodon",
                base_url=proxy_url,
                access_token=self.server.tokens["alice"],
                allow_http=True,
                **self.settings(),
            )
        )

    def is_write(self, request: Request) -> bool:
        return (
            super().is_write(request) and request.path.startswith("/api/") and "/_mock/" not in request.path
        )

    def prepare(self, write: str) -> Subject:
        if write == "follow":
            self.alice.unfollow("bob")
            return Subject(account="bob")
        if write == "delete":
            return Subject(post=self.alice.publish(f"to delete {uuid.uuid4().hex}"))
        return Subject(post=self.bob.publish(f"target {uuid.uuid4().hex}"))

    def count(self, write: str, subject: Subject, text: str) -> int:
        if write in ("publish", "reply", "repost"):
            statuses = self._get(f"/api/v1/accounts/{self.alice_id}/statuses?limit=40") or []
            if write == "repost":
                return sum(1 for s in statuses if (s.get("reblog") or {}).get("id") == subject.post.id)
            return sum(1 for s in statuses if text in (s.get("content") or ""))
        if write == "like":
            fans = self._get(f"/api/v1/statuses/{subject.post.id}/favourited_by") or []
            return sum(1 for a in fans if a.get("id") == self.alice_id)
        if write == "follow":
            rel = self._get(f"/api/v1/accounts/relationships?id[]={self.bob_id}") or [{}]
            return int(bool(rel[0].get("following")))
        if write == "delete":
            return int(self._get(f"/api/v1/statuses/{subject.post.id}") is not None)
        raise ValueError(write)


# ---------------------------------------------------------------------- contract servers


class _ContractTarget(Target):
    """Threads and Minds: contract servers whose ``/_test/stats`` counts live objects."""

    counters: ClassVar[dict[str, str]]  # write -> the stats counter it changes

    def __init__(self, server: ContractServer, state_dir: Path, deadline: float) -> None:
        super().__init__(state_dir, deadline)
        self.server = server
        self.upstream_port = _port(server.url)

    def stats(self) -> dict[str, int]:
        return {k: v for k, v in self.server.control("stats").items() if isinstance(v, int)}

    def count(self, write: str, subject: Subject, text: str) -> int:
        counter = self.counters[write]
        change = self.stats()[counter] - subject.before[counter]
        return 1 + change if write == "delete" else change  # a delete leaves 1 when it did not happen


class ThreadsTarget(_ContractTarget):
    name = "threads"
    writes = ("publish", "reply", "repost", "delete")
    counters: ClassVar[dict[str, str]] = {
        "publish": "media",
        "reply": "media",
        "repost": "media",
        "delete": "media",
    }

    def __init__(self, server: ContractServer, state_dir: Path, deadline: float) -> None:
        super().__init__(server, state_dir, deadline)
        self.user = server.control("users", {})
        self.direct = self.own(self._connect(server.url, {}))

    def _connect(self, url: str, extra: dict[str, Any]) -> Any:
        return ds.connect(
            "threads",
            base_url=url,
            access_token=self.user["access_token"],
            user_id=self.user["id"],
            poll_interval=0.05,
            poll_max_interval=0.2,
            publish_timeout=10.0,
            **extra,
        )

    def client(self, proxy_url: str) -> Any:
        return self.keep(self._connect(proxy_url, self.settings()))

    def is_write(self, request: Request) -> bool:
        # The request that commits: publishing a container, a repost, a delete.
        return (
            request.method == "POST" and request.path.split("?")[0].endswith(("/threads_publish", "/repost"))
        ) or (request.method == "DELETE")

    def prepare(self, write: str) -> Subject:
        post = None if write == "publish" else self.direct.publish(f"target {uuid.uuid4().hex}")
        return Subject(post=post, before=self.stats())


class MindsTarget(_ContractTarget):
    name = "minds"
    writes = ("publish", "reply", "repost", "delete")
    counters: ClassVar[dict[str, str]] = {
        "publish": "activities",
        "reply": "comments",
        "repost": "activities",
        "delete": "activities",
    }

    def __init__(self, server: ContractServer, state_dir: Path, deadline: float) -> None:
        super().__init__(server, state_dir, deadline)
        self.user = server.control("users", {})
        self.direct = self.own(self._connect(server.url, {}))

    def _connect(self, url: str, extra: dict[str, Any]) -> Any:
        from decentsocial.backends.minds import MindsExperimentalWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MindsExperimentalWarning)
            return ds.connect(
                "minds", base_url=url, username=self.user["username"], password=self.user["password"], **extra
            )

    def client(self, proxy_url: str) -> Any:
        net = self.keep(self._connect(proxy_url, self.settings()))
        net.me()  # logged in before any fault: the faults are for the writes
        return net

    def is_write(self, request: Request) -> bool:
        return (
            super().is_write(request) and "oauth" not in request.path and "authenticate" not in request.path
        )

    def prepare(self, write: str) -> Subject:
        post = None if write == "publish" else self.direct.publish(f"target {uuid.uuid4().hex}")
        return Subject(post=post, before=self.stats())


# ---------------------------------------------------------------------- Hive


def _operations(transaction: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, body) of each operation, condenser (``[name, body]``) or appbase (``{type, value}``) form."""
    out = []
    for op in transaction.get("operations") or []:
        if isinstance(op, list) and len(op) == 2:
            out.append((str(op[0]), op[1]))
        elif isinstance(op, dict):
            out.append((str(op.get("type", "")).removesuffix("_operation"), op.get("value") or {}))
    return out


class HiveTarget(Target):
    name = "hive"
    writes = ("publish", "reply", "like", "repost", "follow", "delete", "tip")
    amount = "0.001 HIVE"
    sender = "alice"

    def __init__(self, replay: ReplayServer, state_dir: Path, deadline: float) -> None:
        super().__init__(state_dir, deadline)
        self.replay = replay
        self.upstream_port = _port(replay.url)

    def client(self, proxy_url: str) -> Any:
        from tests.servers.hive import wif_for

        return self.keep(
            ds.connect(
                "hive",
                account=self.sender,
                posting_key=wif_for(self.sender, "posting"),
                active_key=wif_for(self.sender, "active"),
                nodes=[proxy_url],
                **self.settings(),
            )
        )

    def is_write(self, request: Request) -> bool:
        return b"broadcast_transaction" in request.body

    def prepare(self, write: str) -> Subject:
        self.replay.clear()  # the broadcast log holds this write's transactions only
        # alice writes; dan tips (of the recorded accounts, only dan and steemit hold HIVE).
        self.sender = "dan" if write == "tip" else "alice"
        if write == "delete":
            return Subject(post="alice/decentsocial-to-delete")
        if write == "tip":
            return Subject(account="alice")
        if write == "follow":
            return Subject(account="gtg")
        return Subject(post="steemit/firstpost")

    def count(self, write: str, subject: Subject, text: str) -> int:
        ops = [op for b in self.replay.broadcasts for op in _operations(b.transaction)]
        if write in ("publish", "reply"):
            # A re-broadcast with the same permlink edits the same post on a chain: one post.
            return len(
                {(o["author"], o["permlink"]) for n, o in ops if n == "comment" and text in o.get("body", "")}
            )
        if write == "like":
            return len({(o["voter"], o["author"], o["permlink"]) for n, o in ops if n == "vote"})
        if write in ("repost", "follow"):
            kind = "reblog" if write == "repost" else "follow"
            effects = set()
            for n, o in ops:
                if n == "custom_json":
                    body = json.loads(o.get("json") or "null")
                    if isinstance(body, list) and body and body[0] == kind:
                        effects.add(json.dumps(body[1], sort_keys=True))
            return len(effects)  # a chain keeps one reblog / follow state per pair
        if write == "delete":
            return 0 if any(n == "delete_comment" for n, _ in ops) else 1
        if write == "tip":
            return sum(1 for n, o in ops if n == "transfer" and o.get("memo") == text)  # each one pays
        raise ValueError(write)


# ---------------------------------------------------------------------- Nostr


class NostrTarget(Target):
    name = "nostr"
    writes = ("publish", "reply", "like", "repost", "follow", "delete")
    skipped: ClassVar[dict[str, str]] = {
        "tip": "a zap is paid by a wallet at the recipient's LNURL callback; nothing is written to the relay",
    }

    def __init__(self, relay_url: str, state_dir: Path, deadline: float) -> None:
        super().__init__(state_dir, deadline)
        from decentsocial.backends.nostr import PrivateKey

        self.relay_url = relay_url
        self.upstream_port = _port(relay_url)
        self.key = PrivateKey.generate()
        self.direct_me = self.own(ds.connect("nostr", private_key=self.key.nsec, relays=[relay_url]))
        self.other = self.own(ds.connect("nostr", private_key=PrivateKey.generate().nsec, relays=[relay_url]))

    def client(self, proxy_url: str) -> Any:
        ws = proxy_url.replace("http://", "ws://")
        return self.keep(ds.connect("nostr", private_key=self.key.nsec, relays=[ws], **self.settings()))

    def is_write(self, request: Request) -> bool:
        return request.method == "WS" and request.body.startswith(b'["EVENT"')

    def prepare(self, write: str) -> Subject:
        if write == "follow":
            from decentsocial.backends.nostr import PrivateKey

            return Subject(account=PrivateKey.generate().public_key)  # a new account each time
        if write == "delete":
            return Subject(post=self.direct_me.publish(f"to delete {uuid.uuid4().hex}"))
        return Subject(post=self.other.publish(f"target {uuid.uuid4().hex}"))

    def query(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        """Events the relay stores, asked for directly (a REQ until EOSE)."""
        from websockets.sync.client import connect

        events = []
        with connect(self.relay_url, open_timeout=10, close_timeout=2) as ws:
            ws.send(json.dumps(["REQ", "faults", filters]))
            for _ in range(10_000):
                message = json.loads(ws.recv(timeout=10))
                if message[0] == "EVENT":
                    events.append(message[2])
                elif message[0] in ("EOSE", "CLOSED"):
                    break
        return events

    def count(self, write: str, subject: Subject, text: str) -> int:
        me = self.key.public_key
        if write in ("publish", "reply"):
            return sum(1 for e in self.query({"authors": [me], "kinds": [1]}) if e["content"] == text)
        target = str(subject.post.id) if subject.post is not None else ""
        if write in ("like", "repost"):
            kind = 7 if write == "like" else 6
            return len(self.query({"authors": [me], "kinds": [kind], "#e": [_event_id(target)]}))
        if write == "follow":
            lists = self.query({"authors": [me], "kinds": [3]})
            latest: dict[str, Any] = max(lists, key=lambda e: e["created_at"], default={"tags": []})
            return sum(1 for t in latest["tags"] if len(t) > 1 and t[0] == "p" and t[1] == subject.account)
        if write == "delete":
            return len(self.query({"ids": [_event_id(target)]}))
        raise ValueError(write)


def _event_id(post_id: str) -> str:
    from decentsocial.backends.nostr.keys import bech32_decode

    return post_id if len(post_id) == 64 else bech32_decode(post_id.removeprefix("nostr:"))[1].hex()


# ---------------------------------------------------------------------- Bluesky


class BlueskyTarget(Target):
    name = "bluesky"
    writes = ("publish", "reply", "like", "repost", "follow", "delete")

    def __init__(
        self, pds_url: str, accounts: dict[str, tuple[str, str]], state_dir: Path, deadline: float
    ) -> None:
        super().__init__(state_dir, deadline)
        self.pds_url = pds_url
        self.upstream_port = _port(pds_url)
        self.accounts = accounts
        self.direct_me = self.own(self._connect(pds_url, "me", {}))
        self.other = self.own(self._connect(pds_url, "other", {}))
        self.me_did = self._resolve(accounts["me"][0])
        self.other_did = self._resolve(accounts["other"][0])

    def _connect(self, url: str, who: str, extra: dict[str, Any]) -> Any:
        handle, password = self.accounts[who]
        return ds.connect("bluesky", base_url=url, handle=handle, password=password, **extra)

    def _resolve(self, handle: str) -> str:
        answer = httpx.get(
            f"{self.pds_url}/xrpc/com.atproto.identity.resolveHandle", params={"handle": handle}, timeout=10
        )
        answer.raise_for_status()
        return str(answer.json()["did"])

    def client(self, proxy_url: str) -> Any:
        net = self.keep(self._connect(proxy_url, "me", self.settings()))
        net.me()  # the session is made before any fault: the faults are for the writes
        return net

    def is_write(self, request: Request) -> bool:
        return request.method == "POST" and any(
            p in request.path
            for p in ("repo.createRecord", "repo.putRecord", "repo.deleteRecord", "repo.applyWrites")
        )

    def prepare(self, write: str) -> Subject:
        if write == "follow":
            return Subject(account=self.accounts["other"][0])
        if write == "delete":
            return Subject(post=self.direct_me.publish(f"to delete {uuid.uuid4().hex}"))
        post = self.other.publish(f"target {uuid.uuid4().hex}")
        # A reply waits (up to ``index_wait``, 5 s) for the AppView to index its parent; that wait is
        # the indexer's, not the fault's, so it is over before the faulted call is timed.
        poll_until(lambda: _indexed(self.direct_me.get_post(post.id)))
        return Subject(post=post)

    def records(self, collection: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        cursor = None
        for _ in range(50):
            params: dict[str, str | int] = {"repo": self.me_did, "collection": collection, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            answer = httpx.get(f"{self.pds_url}/xrpc/com.atproto.repo.listRecords", params=params, timeout=10)
            answer.raise_for_status()
            body = answer.json()
            out.extend(body.get("records", []))
            cursor = body.get("cursor")
            if not cursor or not body.get("records"):
                break
        return out

    def count(self, write: str, subject: Subject, text: str) -> int:
        if write in ("publish", "reply"):
            return sum(1 for r in self.records("app.bsky.feed.post") if r["value"].get("text") == text)
        if write in ("like", "repost"):
            collection = f"app.bsky.feed.{write}"
            uri = subject.post.id
            return sum(
                1 for r in self.records(collection) if (r["value"].get("subject") or {}).get("uri") == uri
            )
        if write == "follow":
            n = sum(
                1
                for r in self.records("app.bsky.graph.follow")
                if r["value"].get("subject") == self.other_did
            )
            for r in self.records("app.bsky.graph.follow"):  # the next case starts from no follow
                rkey = r["uri"].rsplit("/", 1)[-1]
                httpx.post(
                    f"{self.pds_url}/xrpc/com.atproto.repo.deleteRecord",
                    json={"repo": self.me_did, "collection": "app.bsky.graph.follow", "rkey": rkey},
                    headers=self._auth(),
                    timeout=10,
                ).raise_for_status()
            return n
        if write == "delete":
            uri = subject.post.id
            rkey = uri.rsplit("/", 1)[-1]
            answer = httpx.get(
                f"{self.pds_url}/xrpc/com.atproto.repo.getRecord",
                params={"repo": self.me_did, "collection": "app.bsky.feed.post", "rkey": rkey},
                timeout=10,
            )
            return int(answer.status_code == 200)
        raise ValueError(write)

    def _auth(self) -> dict[str, str]:
        handle, password = self.accounts["me"]
        answer = httpx.post(
            f"{self.pds_url}/xrpc/com.atproto.server.createSession",
            json={"identifier": handle, "password": password},
            timeout=10,
        )
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['accessJwt']}"}
