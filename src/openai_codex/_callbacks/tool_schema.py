"""A tool's name, input schema and arguments: from a Python signature to the wire and back.

``inputSchema`` is built from the function's parameters with pydantic; the server forwards
it to the model after its own clean-up (it keeps ``type``, ``properties``, ``required``,
``items``, ``enum``, ``anyOf``, ``description``, ``additionalProperties``, ``$defs`` and
``$ref``, and drops ``title`` and ``default``). Names must match ``^[a-zA-Z0-9_-]+$`` and
must not start with ``mcp__``. Arguments the model sends are validated with the same model.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import sys
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pydantic

# pydantic is imported on first use (building an input schema, validating arguments,

__all__: list[str] = []

_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_RESERVED_PREFIX = "mcp__"

_PARAM_KINDS_ALLOWED = (
    inspect.Parameter.POSITIONAL_OR_KEYWORD,
    inspect.Parameter.KEYWORD_ONLY,
)


# ----------------------------------------------------------------------- schema logic

# JSON Schema keywords whose value is a map of name -> schema, a list of schemas, or a
# single schema. Only these are walked, so a property called "title" survives.
_SCHEMA_MAP_KEYS = frozenset(
    {"properties", "$defs", "definitions", "patternProperties", "dependentSchemas"}
)
_SCHEMA_LIST_KEYS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_SCHEMA_ONE_KEYS = frozenset(
    {
        "items",
        "additionalProperties",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)


def _strip_titles(schema: object) -> object:
    """Return a copy of a JSON Schema without pydantic's generated ``title`` keywords."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, object] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
            out[key] = {name: _strip_titles(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LIST_KEYS and isinstance(value, list):
            out[key] = [_strip_titles(sub) for sub in value]
        elif key in _SCHEMA_ONE_KEYS:
            out[key] = _strip_titles(value)
        else:
            out[key] = value
    return out


def callable_name(fn: Callable[..., object]) -> str | None:
    target: object = fn.func if isinstance(fn, functools.partial) else fn
    name = getattr(target, "__name__", None)
    return name if isinstance(name, str) else None


def callable_doc(fn: Callable[..., object]) -> str | None:
    target: object = fn.func if isinstance(fn, functools.partial) else fn
    doc = getattr(target, "__doc__", None)
    if not isinstance(doc, str):
        return None
    cleaned = inspect.cleandoc(doc).strip()
    return cleaned or None


def is_async_callable(fn: Callable[..., object]) -> bool:
    if inspect.iscoroutinefunction(fn):
        return True
    call = getattr(fn, "__call__", None)  # noqa: B004 - async __call__ of an instance
    return call is not None and inspect.iscoroutinefunction(call)


def validate_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ValueError(
            f"invalid tool name {name!r}: use 1-64 characters from letters, digits, "
            "'_' and '-' (pass name=... to choose another)"
        )
    if name.startswith(_RESERVED_PREFIX):
        raise ValueError(f"invalid tool name {name!r}: the prefix 'mcp__' is reserved")
    return name


def check_signature(name: str, sig: inspect.Signature) -> None:
    for param in sig.parameters.values():
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            raise TypeError(f"tool {name!r}: *{param.name} is not supported; list each argument")
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            raise TypeError(f"tool {name!r}: **{param.name} is not supported; list each argument")
        if param.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise TypeError(
                f"tool {name!r}: positional-only parameter {param.name!r} is not supported; "
                "the model passes arguments by name"
            )


class ArgsModel:
    """The pydantic model for a tool's arguments, and how to map it back to kwargs."""

    __slots__ = ("field_to_param", "model", "schema")

    def __init__(
        self,
        model: type[pydantic.BaseModel],
        field_to_param: dict[str, str],
        schema: dict[str, object],
    ) -> None:
        self.model = model
        self.field_to_param = field_to_param
        self.schema = schema


def _has_string_annotations(fn: Callable[..., object]) -> bool:
    target: object = fn.func if isinstance(fn, functools.partial) else fn
    annotations = getattr(target, "__annotations__", None)
    return isinstance(annotations, dict) and any(isinstance(a, str) for a in annotations.values())


def caller_locals(depth: int, fn: Callable[..., object]) -> dict[str, Any] | None:
    """Snapshot the decorating frame's locals when ``fn`` has string annotations.

    With ``from __future__ import annotations`` a tool defined inside a function may name
    types local to that function; they are resolved lazily, so keep that namespace.
    """
    if not _has_string_annotations(fn):
        return None
    try:
        frame = sys._getframe(depth + 1)
    except ValueError:  # pragma: no cover - call stack shallower than expected
        return None
    if frame.f_locals is frame.f_globals:  # module level: the globals are enough
        return None
    return dict(frame.f_locals)


def build_args_model(
    name: str, fn: Callable[..., object], localns: Mapping[str, Any] | None
) -> ArgsModel:
    import pydantic
    import pydantic.json_schema

    try:
        sig = inspect.signature(fn, eval_str=True, locals=localns)
    except NameError as exc:
        raise TypeError(
            f"tool {name!r}: cannot resolve a parameter annotation ({exc}); "
            "define the type at module level"
        ) from exc
    fields: dict[str, Any] = {}
    field_to_param: dict[str, str] = {}
    for index, param in enumerate(sig.parameters.values()):
        annotation: object = (
            Any if param.annotation is inspect.Parameter.empty else param.annotation
        )
        # Internal field names avoid clashes with BaseModel attributes ("json", "copy",
        # "model_*") and pydantic's private "_x" names; the alias is the wire name.
        field_name = f"p{index}"
        if param.default is inspect.Parameter.empty:
            info = pydantic.Field(alias=param.name)
        else:
            info = pydantic.Field(default=param.default, alias=param.name)
        fields[field_name] = (annotation, info)
        field_to_param[field_name] = param.name
    try:
        model = pydantic.create_model(
            f"{name}_arguments",
            __config__=pydantic.ConfigDict(extra="forbid"),
            **fields,
        )
        with warnings.catch_warnings():
            # Defaults that are not JSON (sentinels...) are left out of the schema.
            warnings.simplefilter("ignore", pydantic.json_schema.PydanticJsonSchemaWarning)
            raw = model.model_json_schema()
    except (pydantic.PydanticSchemaGenerationError, pydantic.PydanticUserError) as exc:
        raise TypeError(f"tool {name!r}: cannot build an input schema: {exc}") from exc
    cleaned = _strip_titles(raw)
    assert isinstance(cleaned, dict)
    # Readable key order: type, properties, required, additionalProperties, $defs.
    schema: dict[str, object] = {"type": "object", "properties": cleaned.pop("properties", {})}
    cleaned.pop("type", None)
    for key in ("required", "additionalProperties"):
        if key in cleaned:
            schema[key] = cleaned.pop(key)
    schema.update(cleaned)
    return ArgsModel(model, field_to_param, schema)


def format_validation_error(name: str, exc: pydantic.ValidationError) -> str:
    problems: list[str] = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in err["loc"]) or "(arguments)"
        text = f"{loc}: {err['msg']}"
        if err["type"] not in ("missing", "extra_forbidden"):
            shown = repr(err.get("input"))
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f" (got {shown})"
        problems.append(text)
    return f"Invalid arguments for tool '{name}': " + "; ".join(problems)


def parse_arguments(name: str, arguments: object) -> dict[str, object] | str:
    """Return the arguments as a dict, or an error message."""
    if arguments is None:
        return {}
    if isinstance(arguments, (str, bytes, bytearray)):
        if not arguments.strip():
            return {}
        try:
            arguments = json.loads(arguments)
        except ValueError as exc:
            return f"Invalid arguments for tool '{name}': not valid JSON ({exc})"
    if isinstance(arguments, Mapping):
        return {str(k): v for k, v in arguments.items()}
    return (
        f"Invalid arguments for tool '{name}': expected a JSON object, "
        f"got {type(arguments).__name__}"
    )
