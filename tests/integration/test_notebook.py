"""notebooks/sdk_walkthrough.ipynb runs top to bottom, offline, in a fresh kernel.

The notebook uses the offline test kit by default (``OFFLINE = True`` in its first code
cell), so executing it here needs no account and no network. The kernel is the venv's
``python3`` kernelspec, installed by ``ipykernel`` (a dev dependency).
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "sdk_walkthrough.ipynb"

pytestmark = pytest.mark.timeout(120)


def _outputs(nb: nbformat.NotebookNode) -> str:
    text = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text.append(output["text"])
            elif output.get("output_type") == "error":
                text.append(f"{output['ename']}: {output['evalue']}")
    return "".join(text)


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
        "Paris is the capital of France.",
        "status:         completed",
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
    assert elapsed < 30, f"the notebook took {elapsed:.1f} s (budget 30 s)"
