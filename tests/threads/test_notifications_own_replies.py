"""Notifications skip your own replies without losing others' behind them.

A thread chain is you replying to your own post. The replies to each of your posts were read
``limit`` at a time and your own taken out afterwards, so with ``limit`` of your own replies
newest, another's older reply never came: ``notifications(limit=2)`` gave nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_others_replies_behind_your_own_thread_chain_are_notifications(make_net: Callable[..., Any]) -> None:
    me, _ = make_net(notification_posts=1)
    other, _ = make_net()
    mine = me.publish("a thread, 1/4")
    theirs = other.reply(mine, "a reply from someone else")
    for part in range(2, 5):  # the chain goes on after their reply: your replies are the newest
        me.reply(mine, f"a thread, {part}/4")
    for limit in (1, 2, 3, None):
        notes = list(me.notifications(limit=limit))
        assert [(n.kind, n.post.id if n.post else None) for n in notes] == [("reply", theirs.id)], limit
