"""``codex-sdk models``: the models the server offers."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import dump_json, open_session

__all__ = ["add_parsers", "cmd_models"]


def _effort(value: Any) -> str:
    return str(getattr(value, "value", value))


def cmd_models(args: argparse.Namespace) -> int:
    """Print the model catalog as a table (or JSON); ``*`` marks the default model."""
    with open_session(args) as session:
        response = session.codex.models(include_hidden=args.all)
    if args.json:
        dump_json(response.data)
        return 0
    rows = [("MODEL", "NAME", "DEFAULT EFFORT", "EFFORTS")]
    for model in response.data:
        efforts = ", ".join(_effort(e.reasoning_effort) for e in model.supported_reasoning_efforts)
        rows.append(
            (
                model.model + ("*" if model.is_default else ""),
                model.display_name + (" (hidden)" if model.hidden else ""),
                _effort(model.default_reasoning_effort),
                efforts or "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[3]
        )
    if not response.data:
        print("(no models)")
    return 0


def add_parsers(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``models``."""
    models = sub.add_parser(
        "models",
        parents=parents,
        help="list the models the server offers",
        description="List the models the server offers (model/list); * marks the default.",
    )
    models.add_argument("--all", action="store_true", help="include hidden models")
    models.add_argument("--json", action="store_true", help="print the models as JSON")
    models.set_defaults(handler=cmd_models)
