"""A small TOML writer: config.toml for the test harness, ``-c key=value`` literals for the CLI.

TOML has no null: ``None`` values are skipped in documents.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping

__all__ = ["toml_dumps", "toml_key", "toml_string", "toml_value"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
_ESCAPES["\r"] = "\\r"


def toml_key(key: str) -> str:
    """A TOML key: bare when possible, else a quoted basic string."""
    if not isinstance(key, str):
        raise TypeError(f"TOML keys must be strings, got {type(key).__name__}")
    return key if _BARE_KEY.match(key) else toml_string(key)


def toml_string(value: str) -> str:
    """A TOML basic string with every character that needs it escaped."""
    out = ['"']
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_value(value: object) -> str:
    """An inline TOML value: string, bool, int, float, list/tuple, or mapping (inline table)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, os.PathLike):
        return toml_string(os.fspath(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def toml_dumps(data: Mapping[str, object]) -> str:
    """Serialize a mapping as a TOML document; nested mappings become ``[tables]``.

    ``None`` values are skipped (TOML has no null).
    """
    lines: list[str] = []
    _write_table(lines, (), data)
    return "\n".join(lines).lstrip("\n") + "\n"


def _write_table(lines: list[str], path: tuple[str, ...], data: Mapping[str, object]) -> None:
    tables: list[tuple[str, Mapping[str, object]]] = []
    scalars: list[str] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            tables.append((key, value))
        else:
            scalars.append(f"{toml_key(key)} = {toml_value(value)}")
    if path and (scalars or not tables):
        lines.append("")
        lines.append("[" + ".".join(toml_key(p) for p in path) + "]")
    lines.extend(scalars)
    for key, value in tables:
        _write_table(lines, (*path, key), value)
