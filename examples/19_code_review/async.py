"""A code review with the async client (see sync.py for the story).

python examples/19_code_review/async.py /path/to/repo
OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/19_code_review/async.py
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_async_codex


def scratch_repo(where: Path) -> Path:
    """Offline: a repository whose uncommitted change divides by zero."""
    repo = where / "review-demo"
    repo.mkdir(exist_ok=True)
    git = ["git", "-c", "user.email=dev@example.com", "-c", "user.name=Dev"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    (repo / "calc.py").write_text("def ratio(a, b):\n    return a / b if b else 0\n")
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "calc"], cwd=repo, check=True)
    (repo / "calc.py").write_text("def ratio(a, b):\n    return a / b\n")
    return repo


async def main() -> None:
    async with open_async_codex() as codex:
        kit = offline_kit()
        repo = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
        if kit is not None:
            from openai_codex.testing import Reply

            repo = scratch_repo(kit.harness.workspace)
            finding = {
                "title": "Division by zero when b is 0",
                "body": "ratio() no longer guards b == 0.",
                "confidence_score": 0.9,
                "priority": 1,
                "code_location": {
                    "absolute_file_path": str(repo / "calc.py"),
                    "line_range": {"start": 2, "end": 2},
                },
            }
            verdict = {
                "findings": [finding],
                "overall_correctness": "patch is incorrect",
                "overall_explanation": "The guard against b == 0 was removed.",
                "overall_confidence_score": 0.8,
            }
            kit.model.enqueue(Reply.text(json.dumps(verdict)))

        thread = await codex.thread_start(cwd=str(repo), experimental_raw_events=True)
        review = await thread.review("uncommittedChanges")
        print(review.text)
        for finding in review.findings or ():
            where = finding.location
            line = f"{Path(where.path).name}:{where.start_line}" if where else "?"
            print(f"[P{finding.priority}] {finding.title} ({line})")
        print(f"verdict: {review.overall_correctness}")


if __name__ == "__main__":
    asyncio.run(main())
