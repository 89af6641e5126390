"""Observability, the bottom layer: logging helpers, secret redaction, token usage, traces.

Every other layer may log and count usage, so this one imports none of them (only
``errors`` and ``_version``). OpenTelemetry is imported lazily, only by a client that traces.
"""
