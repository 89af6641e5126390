"""Secrets out of reprs: the environment and config values a user hands the SDK (pure logic).

Objects that hold such values (:class:`~openai_codex.CodexConfig`,
:class:`~openai_codex.batch.BatchTask`, a thread's remembered options) keep the real values
for launching, pickling and ``dataclasses.replace``; only what ``repr``, ``str`` and
``format`` show goes through this module. The keys stay visible; a value that may be a
secret is shown as :data:`MASK`:

* an ``env`` value, unless its name is in :data:`SAFE_ENV_NAMES`;
* a config value whose key path holds one of :data:`SECRET_WORDS` (``api_key``,
  ``http_headers.Authorization``...), whatever its type;
* a config string that looks like a secret itself: a token shape (``sk-...``, a JWT,
  ``Bearer ...``) or an assignment to a secret-named key (``{api_key="..."}``);
* the value of a ``key=value`` entry of ``config_overrides`` (or of ``-c`` in launch
  arguments) by the same two rules; the userinfo, query and fragment of a URL.

Masking errs on the side of hiding: a harmless value under a key such as ``keymap`` is
masked too.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .redact import has_token

__all__ = [
    "MASK",
    "SAFE_ENV_NAMES",
    "SECRET_WORDS",
    "MaskedDict",
    "dataclass_repr",
    "is_secret_name",
    "looks_secret",
    "masked_args",
    "masked_entry",
    "masked_env",
    "masked_overrides",
    "masked_url",
    "masked_values",
]

MASK = "***"
"""What a repr shows in place of a value that may be a secret."""

SAFE_ENV_NAMES = frozenset(
    {
        # where things are, and who runs them
        "PATH",
        "HOME",
        "PWD",
        "TMPDIR",
        "TEMP",
        "TMP",
        "USER",
        "LOGNAME",
        "SHELL",
        # language, terminal and clock
        "LANG",
        "LANGUAGE",
        "LC_ALL",
        "LC_CTYPE",
        "TERM",
        "NO_COLOR",
        "TZ",
        # Codex's own, which name a directory or a log filter
        "CODEX_HOME",
        "RUST_LOG",
        "RUST_BACKTRACE",
    }
)
"""Environment variables whose values a repr shows: they locate files or set the locale
and logging, and never carry credentials. Every other ``env`` value is masked (a proxy URL
may embed a password, a ``*_API_KEY`` is one)."""

SECRET_WORDS = (
    "key",
    "token",
    "secret",
    "password",
    "passwd",
    "auth",
    "bearer",
    "credential",
    "cookie",
)
"""Words (matched case-insensitively, anywhere in a key path) that mark a config value as
a possible secret: ``api_key``, ``env_key``, ``access_token``, ``Authorization``..."""

_WORDS = "|".join(SECRET_WORDS)
_SECRET_NAME = re.compile(_WORDS, re.IGNORECASE)
# ``api_key = "..."``, ``"token": ...``, ``Authorization: ...`` inside a longer text.
_SECRET_ASSIGNMENT = re.compile(rf"(?:{_WORDS})\w*[\"']?\s*[=:]", re.IGNORECASE)
# scheme://[userinfo@]rest[?query][#fragment]
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/@?#]*@)?([^?#]*)(\?[^#]*)?(#.*)?$")


def is_secret_name(name: str) -> bool:
    """Whether a config key path or option name marks its value as a possible secret."""
    return _SECRET_NAME.search(name) is not None


def looks_secret(text: str) -> bool:
    """Whether ``text`` looks like (or contains) a secret: a token shape, or an assignment
    to a secret-named key."""
    return has_token(text) or _SECRET_ASSIGNMENT.search(text) is not None


def _masked(path: str, value: Any) -> Any:
    if is_secret_name(path):
        return MASK
    if isinstance(value, Mapping):
        return masked_values(value, path)
    if isinstance(value, (list, tuple)):
        return type(value)(_masked(path, item) for item in value)
    if isinstance(value, str) and looks_secret(value):
        return MASK
    return value


def masked_values(values: Mapping[Any, Any], path: str = "") -> dict[Any, Any]:
    """A copy of config values (nested mappings too) with possible secrets masked.

    ``path`` is the dotted key path of ``values`` itself (``""`` at the top).
    """
    return {
        key: _masked(f"{path}.{key}" if path else str(key), value) for key, value in values.items()
    }


def masked_entry(entry: str) -> str:
    """One ``"key=<TOML value>"`` override with its value masked if it may be a secret."""
    key, sep, value = entry.partition("=")
    if not sep:
        return MASK if looks_secret(entry) else entry
    if is_secret_name(key) or looks_secret(value):
        return f"{key}={MASK}"
    return entry


def masked_overrides(overrides: Any) -> Any:
    """``config_overrides`` (a mapping, or a sequence of ``key=value`` strings) masked."""
    if isinstance(overrides, Mapping):
        return masked_values(overrides)
    if isinstance(overrides, str):
        return masked_entry(overrides)
    if isinstance(overrides, (list, tuple)):
        return type(overrides)(
            masked_entry(entry) if isinstance(entry, str) else _masked("", entry)
            for entry in overrides
        )
    return overrides


def masked_env(env: Any) -> Any:
    """Environment overrides with every value masked except the :data:`SAFE_ENV_NAMES`
    (a ``None`` value, which removes a variable, is shown)."""
    if not isinstance(env, Mapping):
        return env
    return {
        name: value if value is None or str(name).upper() in SAFE_ENV_NAMES else MASK
        for name, value in env.items()
    }


def masked_url(url: Any) -> Any:
    """A URL with its userinfo (``user:password@``), query and fragment masked (tokens
    travel there)."""
    if not isinstance(url, str):
        return url
    match = _URL.match(url)
    if match is None:
        return MASK if looks_secret(url) else url
    scheme, userinfo, rest, query, fragment = match.groups()
    return (
        f"{scheme}{MASK + '@' if userinfo else ''}{rest}"
        f"{'?' + MASK if query else ''}{'#' + MASK if fragment else ''}"
    )


def masked_args(args: Any) -> Any:
    """Command-line arguments with secrets masked: ``key=value`` entries as overrides, the
    value after a secret-named flag (``--api-key X``), token-shaped words, URLs."""
    if not isinstance(args, Sequence) or isinstance(args, str):
        return args
    out: list[Any] = []
    after_secret_flag = False
    for arg in args:
        if not isinstance(arg, str):
            out.append(arg)
            after_secret_flag = False
            continue
        if after_secret_flag and not arg.startswith("-"):
            shown = MASK
        elif "://" in arg:
            shown = masked_url(arg)
        elif "=" in arg:
            shown = masked_entry(arg)
        else:
            shown = MASK if has_token(arg) else arg
        out.append(shown)
        after_secret_flag = arg.startswith("-") and "=" not in arg and is_secret_name(arg)
    return type(args)(out) if isinstance(args, (list, tuple)) else out


class MaskedDict(dict[str, Any]):
    """A dict of options whose ``repr`` masks values that may be secrets.

    It holds (and hands out, when unpacked or copied into a plain dict) the real values;
    it pickles as itself.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(masked_values(self))


def dataclass_repr(obj: Any, maskers: Mapping[str, Callable[[Any], Any]]) -> str:
    """The dataclass repr of ``obj`` with the fields named in ``maskers`` masked."""
    parts = []
    for field in dataclasses.fields(obj):
        if not field.repr:
            continue
        value = getattr(obj, field.name)
        masker = maskers.get(field.name)
        if masker is not None:
            value = masker(value)
        parts.append(f"{field.name}={value!r}")
    return f"{type(obj).__qualname__}({', '.join(parts)})"
