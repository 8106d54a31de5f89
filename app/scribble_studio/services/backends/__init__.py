"""Backends: one file each (``segmind`` over its v2 and v1 files). The session, the
outbox, the CLI and live mode know :class:`Backend`, never a concrete one; they get it
from :func:`create_backend`."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from scribble_studio.domain.models import ModelCatalog
from scribble_studio.services.backends.base import (
    Backend,
    BackendFeatures,
    CallbackEvents,
    Credits,
    CreditsListener,
    JobEvents,
    JobRequest,
    Lookup,
    LostJob,
    Phase,
    Progress,
    Ticket,
)
from scribble_studio.services.config import ApiKey, ClientSettings

if TYPE_CHECKING:  # the HTTP stack (and stamina) load with the first backend
    from scribble_studio.services.backends.retry import RetryListener, RetryPolicy


def create_backend(key: ApiKey | None, settings: ClientSettings, *,
                   tls: ssl.SSLContext | None = None, retry: RetryPolicy | None = None,
                   on_retry: RetryListener | None = None,
                   on_credits: CreditsListener | None = None,
                   follow_deadline: float | None = 600.0,
                   models: ModelCatalog | None = None) -> Backend:
    """The backend for these settings and key, with its one long-lived HTTP client.
    Call inside the running loop; close it with ``aclose()``."""
    from scribble_studio.services.backends.segmind import SegmindBackend

    return SegmindBackend(key, settings, tls=tls, retry=retry, on_retry=on_retry,
                          on_credits=on_credits, follow_deadline=follow_deadline,
                          models=models)


__all__ = ["Backend", "BackendFeatures", "CallbackEvents", "Credits", "JobEvents",
           "JobRequest", "Lookup", "LostJob", "Phase", "Progress", "Ticket",
           "create_backend"]
