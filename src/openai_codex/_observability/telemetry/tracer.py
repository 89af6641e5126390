"""Whether anyone collects this SDK's spans, and the tracer that records them.

The one place that decides to import ``opentelemetry``: only when a provider is configured,
or when the application imported it already (or names a provider in
``OTEL_PYTHON_TRACER_PROVIDER``).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer, TracerProvider

__all__ = ["resolve_tracer"]


def resolve_tracer(provider: TracerProvider | None) -> Tracer | None:
    """The tracer for this SDK's spans, or ``None`` when nobody collects them.

    ``provider`` (``CodexConfig.tracer_provider``) wins; else the global provider, if the
    application set one. Without ``opentelemetry`` imported by the application (or a
    provider named by ``OTEL_PYTHON_TRACER_PROVIDER``) nothing is imported.
    """
    from ..._version import __version__

    if provider is None:
        if "opentelemetry.trace" not in sys.modules and not os.environ.get(
            "OTEL_PYTHON_TRACER_PROVIDER"
        ):
            return None
        try:
            from opentelemetry import trace
        except ImportError:
            return None
        provider = trace.get_tracer_provider()
        unset = tuple(
            cls
            for cls in (
                getattr(trace, "ProxyTracerProvider", None),
                getattr(trace, "NoOpTracerProvider", None),
                getattr(trace, "_DefaultTracerProvider", None),
            )
            if isinstance(cls, type)
        )
        if isinstance(provider, unset):
            return None
    return provider.get_tracer("openai_codex", __version__)
