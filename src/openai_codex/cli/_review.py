"""``codex-sdk review``: a code review of a git repository, printed to the terminal."""

from __future__ import annotations

import argparse
from typing import Any

from .. import BaseBranch, Commit, Custom, ReviewResult, TurnFailedError
from ..types import TurnStatus
from ._common import dump_json, open_session
from ._errors import CliError

__all__ = ["add_parsers", "cmd_review"]


def _target(args: argparse.Namespace) -> Any:
    if args.base:
        return BaseBranch(args.base)
    if args.commit:
        return Commit(args.commit)
    if args.instructions:
        return Custom(args.instructions)
    return "uncommittedChanges"


def _print(review: ReviewResult) -> None:
    print(review.text.rstrip())
    for finding in review.findings or ():
        where = ""
        if finding.location is not None:
            where = f" {finding.location.path}:{finding.location.start_line or '?'}"
        priority = f"P{finding.priority}" if finding.priority is not None else "P?"
        print(f"[{priority}]{where} {finding.title}")
    if review.overall_correctness:
        print(f"verdict: {review.overall_correctness}")


def cmd_review(args: argparse.Namespace) -> int:
    """Review the changes of the repository at ``--cwd`` (default: the current directory)."""
    with open_session(args) as session:
        thread = session.codex.thread_start(experimental_raw_events=True, ephemeral=False)
        if session.kit is not None:
            session.kit.script_review()
        try:
            review = thread.review(_target(args))
        except TurnFailedError as exc:
            raise CliError(f"the review failed: {exc.message}") from None
    if args.json:
        dump_json(review)
    else:
        _print(review)
    if review.turn.status != TurnStatus.completed:
        raise CliError(f"the review ended {review.turn.status.value}")
    return 0


def add_parsers(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``review``."""
    review = sub.add_parser(
        "review",
        parents=parents,
        help="review the changes of a git repository (default: the uncommitted ones)",
        description="Run Codex's code review on the git repository at --cwd (default: the "
        "current directory) and print it: the rendered review, then one line per finding. "
        "Exits 0 once the review is printed, 1 when it fails.",
    )
    target = review.add_mutually_exclusive_group()
    target.add_argument("--base", metavar="BRANCH", help="review the changes against BRANCH")
    target.add_argument("--commit", metavar="SHA", help="review the changes of one commit")
    target.add_argument(
        "--instructions", metavar="TEXT", help="a review guided by these instructions"
    )
    review.add_argument("--json", action="store_true", help="print the ReviewResult as JSON")
    review.set_defaults(handler=cmd_review)
