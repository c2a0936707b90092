"""Minds over the endpoints its own apps use, with httpx. EXPERIMENTAL.

``ds.connect("minds", username=…, password=…)``. Files: ``settings`` (the
settings model), ``failures`` (Minds errors -> the error tree),
``transport`` (the engine API and its OAuth session over the shared HTTP
transport), ``convert`` (JSON <-> models), ``network`` (the ``BaseNetwork``
hooks and the publish recovery).
"""

from __future__ import annotations

from .network import MindsExperimentalWarning, MindsNetwork
from .settings import MindsSettings

__all__ = ["MindsExperimentalWarning", "MindsNetwork", "MindsSettings"]
