#!/usr/bin/env python3
"""Dump the public surface of the official ``openai-codex`` package as JSON.

Usage::

    python scripts/official_surface.py              # refresh the committed snapshot
    python scripts/official_surface.py --check      # exit 1 if the snapshot is stale

The official SDK (PyPI ``openai-codex==VERSION``, same import name as ours) is installed in
a scratch virtual environment outside the repository, and this very file is run there with
``--introspect``: it imports the official modules and records, by introspection only, what
a program can use: module paths, public names, the kind of each object (class, exception,
enum, pydantic model, ``RootModel``, function, type alias...), signatures (parameter names,
kinds and defaults, return annotations), enum members, model fields and their aliases. No
source text is read or copied.

``tests/unit/package/test_official_surface.py`` loads the snapshot and checks that our package is a
superset of it, using :func:`describe_modules` on our own modules (the same code, so both
sides are described alike). Rerun this script when the pinned runtime is bumped.

Only the standard library is imported at module level: the introspection half runs inside
the official package's interpreter.
"""

from __future__ import annotations

import argparse
import enum
import importlib
import inspect
import json
import subprocess
import sys
import tempfile
import types
import typing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VERSION = "0.163.0"
SNAPSHOT = ROOT / "tests" / "data" / f"official_surface_{VERSION}.json"

# The official package's documented module paths (the list).
MODULES = (
    "openai_codex",
    "openai_codex.types",
    "openai_codex.models",
    "openai_codex.errors",
    "openai_codex.retry",
    "openai_codex.api",
    "openai_codex.generated",
    "openai_codex.generated.v2_all",
    "openai_codex.generated.notification_registry",
)

# Modules whose objects are helpers a module happens to import, not API it offers.
FOREIGN_MODULES = ("typing", "typing_extensions", "collections", "dataclasses", "abc", "enum")


# --------------------------------------------------------------------------- describing


def _annotation(value: Any) -> str | None:
    """An annotation as text, with module prefixes removed (``v2_all.X`` -> ``X``)."""
    if value is inspect.Parameter.empty or value is inspect.Signature.empty:
        return None
    text = value if isinstance(value, str) else inspect.formatannotation(value)
    for prefix in (
        "openai_codex.generated.v2_all.",
        "openai_codex._generated.models.",
        "openai_codex.",
        "typing.",
        "collections.abc.",
    ):
        text = text.replace(prefix, "")
    return text.replace("'", "")


def _default(value: Any) -> str | None:
    if value is inspect.Parameter.empty:
        return None
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    return repr(value)


def describe_signature(obj: Any) -> dict[str, Any] | None:
    """Parameters (name, kind, default) and the return annotation of a callable."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    params = []
    for param in sig.parameters.values():
        params.append(
            {
                "name": param.name,
                "kind": param.kind.name,
                "default": _default(param.default),
                "has_default": param.default is not inspect.Parameter.empty,
            }
        )
    return {"params": params, "returns": _annotation(sig.return_annotation)}


def _is_foreign(obj: Any) -> bool:
    if isinstance(obj, types.ModuleType):
        return True
    if type(obj).__name__ == "_Feature":  # from __future__ import annotations
        return True
    module = getattr(obj, "__module__", None) or ""
    top = module.split(".")[0]
    if module in FOREIGN_MODULES or top in ("pydantic", "pydantic_core", "typing_extensions"):
        return True
    return top in sys.stdlib_module_names and top not in ("builtins",)


def _model_kind(obj: type) -> str | None:
    for base in obj.__mro__:
        if base.__module__.startswith("pydantic") and base.__name__ == "RootModel":
            return "root_model"
    for base in obj.__mro__:
        if base.__module__.startswith("pydantic") and base.__name__ == "BaseModel":
            return "model"
    return None


def _member(name: str, value: Any) -> dict[str, Any] | None:
    """One public member of a class, as found in its ``__dict__``."""
    if isinstance(value, property):
        return {"kind": "attribute"}
    if isinstance(value, (classmethod, staticmethod)):
        return {"kind": type(value).__name__, "signature": describe_signature(value.__func__)}
    if inspect.isasyncgenfunction(value):
        return {"kind": "async_iterator_method", "signature": describe_signature(value)}
    if inspect.iscoroutinefunction(value):
        return {"kind": "async_method", "signature": describe_signature(value)}
    if inspect.isfunction(value):
        return {"kind": "method", "signature": describe_signature(value)}
    if type(value).__name__ in ("member_descriptor", "getset_descriptor"):
        return {"kind": "attribute"}
    return None


def _class_members(cls: type) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for klass in reversed(cls.__mro__[:-1]):
        if _is_foreign(klass) or klass.__module__ == "builtins":
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            described = _member(name, value)
            if described is None and hasattr(type(value), "__get__"):
                # Another descriptor (a method whose signature loads late): what users get.
                described = _member(name, getattr(klass, name))
            if described is not None:
                members[name] = described
        # Instance attributes declared in the class body (``id: str``).
        for name in vars(klass).get("__annotations__", {}):
            if not name.startswith("_"):
                members.setdefault(name, {"kind": "attribute"})
    fields = getattr(cls, "__dataclass_fields__", None)
    if fields:
        for name in fields:
            if not name.startswith("_"):
                members.setdefault(name, {"kind": "attribute"})
    return members


def describe_object(obj: Any) -> dict[str, Any]:
    """The kind of one public object, with what a caller relies on for that kind."""
    if _is_foreign(obj):
        return {"kind": "import"}
    if inspect.isclass(obj):
        if issubclass(obj, enum.Enum):
            return {
                "kind": "enum",
                "members": {name: m.value for name, m in obj.__members__.items()},
            }
        if issubclass(obj, BaseException):
            return {
                "kind": "exception",
                "bases": [b.__name__ for b in obj.__mro__[1:] if not _is_foreign(b)][:6],
                "init": describe_signature(obj),
            }
        model = _model_kind(obj)
        if model == "root_model":
            return {"kind": "root_model"}
        if model == "model":
            fields = getattr(obj, "model_fields", {})
            return {
                "kind": "model",
                "fields": {name: info.alias for name, info in fields.items()},
            }
        return {
            "kind": "class",
            "init": describe_signature(obj),
            "members": _class_members(obj),
        }
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        kind = "async_function" if inspect.iscoroutinefunction(obj) else "function"
        return {"kind": kind, "signature": describe_signature(obj)}
    if isinstance(obj, (types.UnionType, types.GenericAlias)) or type(obj).__module__ in (
        "typing",
        "typing_extensions",
    ):
        return {"kind": "alias"}
    if isinstance(obj, dict):
        return {"kind": "value", "type": "dict", "keys": sorted(map(str, obj))}
    if isinstance(obj, (tuple, list, frozenset, set)):
        return {"kind": "value", "type": type(obj).__name__}
    return {"kind": "value", "type": type(obj).__name__}


def describe_module(name: str) -> dict[str, Any]:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    names = (
        list(exported)
        if exported is not None
        else [n for n in vars(module) if not n.startswith("_") and n.isidentifier()]
    )
    return {
        "all": sorted(exported) if exported is not None else None,
        "names": {n: describe_object(getattr(module, n)) for n in sorted(names)},
    }


def describe_modules(modules: typing.Iterable[str] = MODULES) -> dict[str, Any]:
    """Describe ``modules`` of whatever ``openai_codex`` the interpreter imports."""
    return {name: describe_module(name) for name in modules}


def introspect() -> dict[str, Any]:
    import openai_codex

    return {
        "package": "openai-codex",
        "version": getattr(openai_codex, "__version__", None),
        "python": ".".join(map(str, sys.version_info[:2])),
        "modules": describe_modules(),
    }


# --------------------------------------------------------------------------- running


def official_interpreter(workdir: Path) -> Path:
    """Create a scratch venv with the official package and return its python."""
    venv = workdir / "official"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         f"openai-codex=={VERSION}"],
        check=True,
    )  # fmt: skip
    return python


def dump(python: Path | None) -> str:
    with tempfile.TemporaryDirectory(prefix="official-surface-") as tmp:
        interpreter = python or official_interpreter(Path(tmp))
        proc = subprocess.run(
            [str(interpreter), str(Path(__file__).resolve()), "--introspect"],
            check=True,
            capture_output=True,
            text=True,
            cwd=tmp,  # never the repository: its src/ must not shadow the official package
        )
    surface = json.loads(proc.stdout)
    if surface.get("version") != VERSION:
        raise SystemExit(f"expected openai-codex {VERSION}, found {surface.get('version')}")
    return json.dumps(surface, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--introspect", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help="exit 1 if the snapshot differs")
    parser.add_argument(
        "--python", type=Path, help="an interpreter that already has the official package"
    )
    args = parser.parse_args(argv)
    if args.introspect:
        json.dump(introspect(), sys.stdout)
        return 0
    text = dump(args.python)
    if args.check:
        current = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
        if current != text:
            print(f"{SNAPSHOT.relative_to(ROOT)} is stale; rerun {Path(__file__).name}")
            return 1
        print("snapshot is up to date")
        return 0
    SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
    SNAPSHOT.write_text(text, encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
