"""decentsocial: one typed Python API for decentralized social networks.

>>> import decentsocial as ds
>>> net = ds.connect("sandbox")
>>> post = net.publish("Hello #fediverse")

Network libraries are imported by each backend on first use, never here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import BaseNetwork

# Imported eagerly, unlike to_dataframe: the function ``crosspost`` shares its name with its
# module, and a lazy attribute would be shadowed by the module once anything imports it.
# crosspost.py loads only the standard library and the core, so this stays cheap.
from .crosspost import CrosspostResult, Outcome, crosspost, monitor
from .errors import (
    AuthenticationError,
    ConfigurationError,
    ContentRejected,
    DecentSocialError,
    InvalidInput,
    NetworkUnavailable,
    NotFound,
    PermissionDenied,
    RateLimited,
    UnsupportedFeature,
)
from .models import (
    Account,
    Amount,
    Beneficiary,
    Community,
    Draft,
    Engagement,
    LinkCard,
    Media,
    Message,
    Notification,
    PayoutOptions,
    Poll,
    Post,
    Reward,
    RewardPart,
)
from .network import Capability, Network, TextLimit
from .paging import Page, paginate
from .registry import connect, connect_any, known_networks
from .retry import RetryPolicy
from .settings import NetworkSettings, RetrySettings

if TYPE_CHECKING:
    from . import auth, plot
    from .crisis_mode import Crisis, crisis
    from .engagement import history, report, track
    from .frames import to_dataframe
    from .lifecycle import Retraction, retract
    from .scheduler import Job, Scheduler

__version__ = "0.1.0"

__all__ = [
    "Account",
    "Amount",
    "AuthenticationError",
    "BaseNetwork",
    "Beneficiary",
    "Capability",
    "Community",
    "ConfigurationError",
    "ContentRejected",
    "Crisis",
    "CrosspostResult",
    "DecentSocialError",
    "Draft",
    "Engagement",
    "InvalidInput",
    "Job",
    "LinkCard",
    "Media",
    "Message",
    "Network",
    "NetworkSettings",
    "NetworkUnavailable",
    "NotFound",
    "Notification",
    "Outcome",
    "Page",
    "PayoutOptions",
    "PermissionDenied",
    "Poll",
    "Post",
    "RateLimited",
    "Retraction",
    "RetryPolicy",
    "RetrySettings",
    "Reward",
    "RewardPart",
    "Scheduler",
    "TextLimit",
    "UnsupportedFeature",
    "__version__",
    "auth",
    "connect",
    "connect_any",
    "crisis",
    "crosspost",
    "history",
    "known_networks",
    "monitor",
    "paginate",
    "plot",
    "report",
    "retract",
    "to_dataframe",
    "track",
]

_LAZY = {
    "to_dataframe": "frames",
    "Scheduler": "scheduler",
    "Job": "scheduler",
    "track": "engagement",
    "history": "engagement",
    "report": "engagement",
    "retract": "lifecycle",
    "crisis": "crisis_mode",
    "Crisis": "crisis_mode",
    "Retraction": "lifecycle",
}


#: Modules reached as attributes (``ds.plot.engagement(...)``), imported on first use.
_LAZY_MODULES = frozenset({"plot", "auth"})


def __getattr__(name: str) -> Any:
    """Load the pandas, scheduler, engagement and plotting helpers on first use (keeps import cheap)."""
    import importlib

    if name in _LAZY_MODULES:
        return importlib.import_module(f"decentsocial.{name}")  # which also sets the attribute
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'decentsocial' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"decentsocial.{module}"), name)
    globals()[name] = value
    return value
