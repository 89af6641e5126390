"""Template: measure another Python SDK for the app-server with ``bench.py``.

    .venv/bin/python benchmarks/bench.py --other-sdk-venv /path/to/venv \
        --other-sdk-import other_sdk --other-sdk-adapter my_adapter.py

Copy this file and implement :func:`measure` with the other SDK's public API. bench.py
runs ``/path/to/venv/bin/python bench.py _child SPEC`` and calls ``measure(scenario, spec)``
inside that interpreter, in a fresh process per measurement, against the same harness
(CODEX_HOME, MockModel replies) as the floor and our SDK.

``spec`` holds ``env`` (variables to merge over ``os.environ`` for the app-server; ``None``
means unset), ``cwd``, ``codex_bin`` and ``path_dir`` (the pinned binary and its helper
directory to prepend to PATH), plus the scenario's parameters: ``reps`` (start),
``turns`` (stream: the first is cold, the rest warm; turns: how many), ``threads``
(concurrent). The prompt text does not matter; the mock model's replies are queued.

Return the same shape as bench.py's ``floor_*`` functions (times in seconds, from
``time.perf_counter``; CPU from ``time.process_time``):

* ``start``:      ``{"starts": [...], "closes": [...]}`` (one entry per rep)
* ``stream``:     ``{"thread_start": s, "walls": [...], "cpus": [...], "chars": [...]}``
  (per turn; ``chars`` is the total length of the ``item/agentMessage/delta`` texts)
* ``concurrent``: ``{"walls": [s], "cpus": [s], "chars": [one per thread]}``
* ``turns``:      ``{"walls": [...], "turn_cpus": [...], "total": s, "cpus": [s]}``

Sleep 0.5 s after starting threads, outside the timings, as the other variants do.
"""

from __future__ import annotations

from typing import Any


def measure(scenario: str, spec: dict[str, Any]) -> dict[str, Any]:
    raise NotImplementedError(f"implement {scenario} for the other SDK")
