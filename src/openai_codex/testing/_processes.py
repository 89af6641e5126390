"""Finding the app-servers of one CODEX_HOME through ``/proc`` (Linux; for tests and
benchmarks that check what a client started and stopped)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["app_server_pids"]


def _is_app_server(pid: int | str) -> bool:
    try:
        return b"app-server" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def app_server_pids(codex_home: str | os.PathLike[str]) -> list[int]:
    """Running ``codex app-server`` processes whose CODEX_HOME is ``codex_home`` (not their
    children caught between fork and exec, which look the same for a moment, nor zombies)."""
    marker = f"CODEX_HOME={os.fspath(codex_home)}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or not _is_app_server(entry):
            continue
        try:
            if marker not in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                continue
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if fields.get("State", "").startswith("Z") or _is_app_server(fields["PPid"].strip()):
            continue
        found.append(int(entry))
    return found
