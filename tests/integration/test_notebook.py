"""notebooks/sdk_walkthrough.ipynb runs top to bottom, offline, in a fresh kernel.

The notebook uses the offline test kit by default (``OFFLINE = True`` in its first code
cell), so executing it here needs no account and no network. The kernel is the venv's
``python3`` kernelspec, installed by ``ipykernel`` (a dev dependency).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "sdk_walkthrough.ipynb"

pytestmark = pytest.mark.timeout(120)


def _outputs(nb: nbformat.NotebookNode) -> str:
    """What the cells printed (and any error), in order."""
    text = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text.append(output["text"])
            elif output.get("output_type") == "error":
                text.append(f"{output['ename']}: {output['evalue']}")
    return "".join(text)


def _everything(nb: nbformat.NotebookNode) -> str:
    """Every output of every cell, in every format (streams, displays, results, errors)."""
    return "\n".join(json.dumps(cell.get("outputs", [])) for cell in nb.cells)


def _rich(nb: nbformat.NotebookNode, source: str, exact: bool = False) -> list[dict[str, str]]:
    """The display and result outputs (mime type -> text) of the one code cell whose source
    contains ``source`` (is ``source``, when ``exact``)."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    (cell,) = [c for c in code if (c.source == source if exact else source in c.source)]
    kinds = ("display_data", "execute_result")
    return [dict(o["data"]) for o in cell.outputs if o.get("output_type") in kinds]


# Secrets the notebook handles: none may show in any output.
_SECRETS = re.compile(
    r"sk-notebook-not-a-real-key"  # the API key it signs in with
    r"|tok-not-for-display"  # a config value of its thread
    r"|[?&](?:state|code_challenge)="  # the browser login URL's query
    r"|eyJ[\w-]{8,}\."  # any JWT (the mock issuer's id and access tokens)
)


def test_notebook_is_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


def test_walkthrough_runs_offline(tmp_path: Path) -> None:
    assert "python3" in KernelSpecManager().find_kernel_specs(), "pip install ipykernel"
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        timeout=60,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    started = time.monotonic()
    client.execute()
    elapsed = time.monotonic() - started
    out = _outputs(nb)
    expected = [
        "status:         completed",
        "final response: Paris is the capital of France.",
        "after:  type='apiKey'",
        "logout: None",
        "cancel: canceled",
        "first attempt: success = False",
        "second attempt: success = True",
        "account: chatgpt notebook@example.com pro",
    ]
    missing = [line for line in expected if line not in out]
    assert not missing, f"missing {missing} in the notebook's output:\n{out}"
    assert out.rstrip().endswith("closed"), out
    # show(handle): one display, updated in place until the turn completed.
    (drawn,) = _rich(nb, "result = show(handle)")
    assert drawn["text/markdown"].startswith("**✅ completed** · turn `"), drawn
    assert "\n\nParis is the capital of France.\n\n<details>" in drawn["text/markdown"]
    assert "▌" not in drawn["text/markdown"]
    assert drawn["text/plain"].startswith("Turn ") and ": completed" in drawn["text/plain"]
    # The TurnResult, the Thread and the login handles render as Markdown.
    (result,) = _rich(nb, 'print("status:        "')
    assert result["text/markdown"] == drawn["text/markdown"]
    (thread,) = _rich(nb, "thread", exact=True)
    assert thread["text/markdown"].startswith("**Thread** `")
    assert "- `config`: `shell_environment_policy` (values not shown)" in thread["text/markdown"]
    pending, succeeded = _rich(nb, "display(first)")
    assert "**ChatGPT sign-in** (browser) · **⏳ pending**" in pending["text/markdown"]
    assert "Open this handle's `auth_url` in a browser" in pending["text/markdown"]
    assert "**✅ succeeded**" in succeeded["text/markdown"]
    leaks = sorted(set(_SECRETS.findall(_everything(nb))))
    assert not leaks, f"secrets in the notebook's outputs: {leaks}"
    assert elapsed < 30, f"the notebook took {elapsed:.1f} s (budget 30 s)"
