"""Removing secrets from text before it reaches a log line or a span (pure logic)."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["REDACTED", "has_token", "scrub_text"]

REDACTED = "[REDACTED]"
"""What stands in the place of a removed secret."""

_URL_QUERY = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s?#\"'<>]*)\?[^\s#\"'<>]*")
_TOKENISH = re.compile(
    r"\bsk-[A-Za-z0-9_\-]{8,}"  # API keys
    r"|\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*"  # JWTs (id/access tokens)
    r"|(?i:\bbearer\s+)[A-Za-z0-9._~+/\-]{8,}=*"  # Authorization: Bearer ...
)


def has_token(text: str) -> bool:
    """Whether ``text`` holds an API-key-, JWT- or bearer-token-shaped word."""
    return _TOKENISH.search(text) is not None


def scrub_text(text: str, secrets: Sequence[str] = ()) -> str:
    """``text`` without the given secrets, key- or token-shaped words, or URL queries."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _TOKENISH.sub(REDACTED, text)
    return _URL_QUERY.sub(r"\1?" + REDACTED, text)
