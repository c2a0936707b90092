"""What a scripted Threads server answers before the part a test is about: the quota, then the container."""

from __future__ import annotations

from tests.servers._scripted_http import Reply, Request

__all__ = ["QUOTA", "first_steps"]

#: ``threads_publishing_limit``: nothing used of 250.
QUOTA = Reply(200, {"data": [{"quota_usage": 0, "config": {"quota_total": 250}}]})


def first_steps(r: Request, container_id: str = "100") -> Reply | None:
    """The quota read and the container made (``container_id``) for user 1; ``None`` for any other request."""
    if r.path.endswith("/threads_publishing_limit"):
        return QUOTA
    if r.method == "POST" and r.path.endswith("/1/threads"):
        return Reply(200, {"id": container_id})
    return None
