"""Our public surface is a superset of the official openai-codex 0.163.0 surface.

The snapshot ``tests/data/official_surface_0.163.0.json`` is written by
``scripts/official_surface.py`` from the official package (installed in a scratch venv).
Here every name it lists is looked up in our package and described with the same code,
so both sides are compared alike: same module path, same kind of object, every parameter
the official accepts accepted by ours with the same kind and default, the same return
annotation, every enum member (and value), every model field with its alias.
"""

from __future__ import annotations

import enum
import importlib
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
SNAPSHOT = ROOT / "tests" / "data" / "official_surface_0.163.0.json"


def _script() -> ModuleType:
    path = ROOT / "scripts" / "official_surface.py"
    spec = importlib.util.spec_from_file_location("official_surface", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SURFACE = _script()
OFFICIAL: dict[str, Any] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def compare_signatures(where: str, official: dict[str, Any] | None, ours: Any) -> list[str]:
    """Problems for a call that works on the official signature but not on ours."""
    if official is None:
        return []
    mine = SURFACE.describe_signature(ours)
    if mine is None:
        return [f"{where}: no signature"]
    problems: list[str] = []
    if official["returns"] is not None and official["returns"] != mine["returns"]:
        problems.append(f"{where}: returns {mine['returns']!r}, official {official['returns']!r}")
    # ``self`` is never passed by keyword: ours may make it positional-only.
    theirs = [p for p in official["params"] if p["name"] != "self"]
    own_params = [p for p in mine["params"] if p["name"] != "self"]
    mine = {**mine, "params": own_params}
    by_name = {p["name"]: (i, p) for i, p in enumerate(own_params)}
    for index, param in enumerate(theirs):
        kind = param["kind"]
        if kind in ("VAR_POSITIONAL", "VAR_KEYWORD"):
            if not any(p["kind"] == kind for p in mine["params"]):
                problems.append(f"{where}: no {kind} parameter")
            continue
        found = by_name.get(param["name"])
        if found is None:
            problems.append(f"{where}: parameter {param['name']!r} missing")
            continue
        position, own = found
        if kind == "POSITIONAL_OR_KEYWORD" and (
            position != index or own["kind"] != "POSITIONAL_OR_KEYWORD"
        ):
            problems.append(f"{where}: {param['name']!r} is not positional at index {index}")
        if kind == "KEYWORD_ONLY" and own["kind"] not in ("KEYWORD_ONLY", "POSITIONAL_OR_KEYWORD"):
            problems.append(f"{where}: {param['name']!r} is not accepted by keyword")
        if param["has_default"] and own["default"] != param["default"]:
            problems.append(
                f"{where}: {param['name']!r} defaults to {own['default']}, "
                f"official {param['default']}"
            )
    official_names = {p["name"] for p in theirs}
    for own in mine["params"]:
        if (
            own["name"] not in official_names
            and own["kind"] in ("POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY")
            and not own["has_default"]
            and theirs
            and not any(p["kind"] == "VAR_KEYWORD" for p in theirs)
        ):
            problems.append(f"{where}: extra required parameter {own['name']!r}")
    return problems


def compare_object(where: str, official: dict[str, Any], obj: Any) -> list[str]:
    kind = official["kind"]
    mine = SURFACE.describe_object(obj)
    if kind == "exception" and mine["kind"] == "exception":
        problems = [
            f"{where}: not a subclass of {base}"
            for base in official["bases"]
            if base not in [b.__name__ for b in obj.__mro__]
        ]
        return problems + compare_signatures(where, official["init"], obj)
    if mine["kind"] != kind:
        return [f"{where}: is a {mine['kind']}, official is a {kind}"]
    if kind == "enum":
        problems = []
        for name, value in official["members"].items():
            member = obj.__members__.get(name)
            if member is None:
                problems.append(f"{where}: member {name} missing")
                continue
            try:
                found = obj(value)
            except ValueError:
                problems.append(f"{where}: {value!r} is not accepted")
                continue
            if found is not member:
                problems.append(f"{where}({value!r}) is {found!r}, not {member!r}")
        return problems
    if kind == "model":
        fields = mine["fields"]
        return [
            f"{where}: field {name} (alias {alias}) missing or aliased differently"
            for name, alias in official["fields"].items()
            if name not in fields or fields[name] != alias
        ]
    if kind in ("function", "async_function"):
        return compare_signatures(where, official["signature"], obj)
    if kind == "value":
        if mine["type"] != official["type"]:
            return [f"{where}: a {mine['type']}, official a {official['type']}"]
        missing = set(official.get("keys", ())) - set(mine.get("keys", ()))
        return [f"{where}: keys missing: {sorted(missing)}"] if missing else []
    if kind == "class":
        problems = []
        init = official["init"]
        # Constructors that take private collaborators (``_client``) are not for users.
        if init is not None and not any(p["name"].startswith("_") for p in init["params"]):
            problems += compare_signatures(f"{where}()", init, obj)
        for name, member in official["members"].items():
            own = mine["members"].get(name)
            if own is None:
                problems.append(f"{where}.{name} missing")
            elif own["kind"] != member["kind"]:
                problems.append(f"{where}.{name} is a {own['kind']}, official {member['kind']}")
            elif "signature" in member:
                problems += compare_signatures(
                    f"{where}.{name}", member["signature"], getattr(obj, name)
                )
        return problems
    return []  # root_model, alias: the kind is the contract


def surface_problems(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    official = OFFICIAL["modules"][module_name]
    problems = []
    for name, entry in official["names"].items():
        if entry["kind"] == "import":
            continue
        if not hasattr(module, name):
            problems.append(f"{module_name}.{name} missing")
            continue
        problems += compare_object(f"{module_name}.{name}", entry, getattr(module, name))
    if official["all"] is not None:
        ours = set(getattr(module, "__all__", ()))
        missing = sorted(set(official["all"]) - ours)
        if missing:
            problems.append(f"{module_name}.__all__ lacks {missing}")
    return problems


@pytest.mark.parametrize("module_name", sorted(OFFICIAL["modules"]))
def test_module_is_a_superset_of_the_official_one(module_name: str) -> None:
    problems = surface_problems(module_name)
    assert not problems, "\n".join(problems[:60]) + (
        f"\n... and {len(problems) - 60} more" if len(problems) > 60 else ""
    )


def test_the_snapshot_covers_every_documented_module() -> None:
    assert set(OFFICIAL["modules"]) == set(SURFACE.MODULES)
    assert OFFICIAL["version"] == "0.163.0"
    # A sanity check of the snapshot itself: the big shapes are there.
    names = OFFICIAL["modules"]["openai_codex.generated.v2_all"]["names"]
    assert names["ThreadItem"]["kind"] == "root_model"
    assert names["ReasoningEffort"]["kind"] == "enum"
    assert OFFICIAL["modules"]["openai_codex"]["names"]["Codex"]["kind"] == "class"


class _Probe(enum.Enum):
    a = "x"


def test_the_comparison_finds_what_is_missing() -> None:
    # The checker itself must fail on a mismatch, or the superset test proves nothing.
    assert compare_object("m.E", {"kind": "enum", "members": {"b": "y"}}, _Probe)
    assert compare_object("m.E", {"kind": "enum", "members": {"a": "x"}}, _Probe) == []

    def f(a: int, *, b: int = 1) -> None: ...

    official = {"kind": "function", "signature": SURFACE.describe_signature(f)}

    def missing_b(a: int) -> None: ...

    def other_default(a: int, *, b: int = 2) -> None: ...

    def with_extra(a: int, *, b: int = 1, c: int = 0) -> None: ...

    assert compare_object("m.f", official, missing_b)
    assert compare_object("m.f", official, other_default)
    assert compare_object("m.f", official, with_extra) == []
