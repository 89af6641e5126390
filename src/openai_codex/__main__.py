"""``python -m openai_codex``: the command line (see ``openai_codex.cli``)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
