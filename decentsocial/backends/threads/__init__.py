"""Threads (Meta) over its Graph API, with httpx: ``ds.connect("threads", access_token=…, user_id=…)``.

Files: ``settings`` (the settings model), ``results`` (typed answers of the
extras), ``failures`` (Graph errors -> the error tree), ``transport`` (the
Graph API over the shared HTTP transport), ``convert`` (JSON <-> models),
``publish`` (the two-step container flow, exactly once), ``network`` (the
``BaseNetwork`` hooks).
"""

from __future__ import annotations

from .network import ThreadsNetwork
from .results import AccountInsights, DailyValue, PublishingQuota, ThreadsToken
from .settings import ThreadsSettings

__all__ = [
    "AccountInsights",
    "DailyValue",
    "PublishingQuota",
    "ThreadsNetwork",
    "ThreadsSettings",
    "ThreadsToken",
]
