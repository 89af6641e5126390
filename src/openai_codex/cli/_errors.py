"""The command line's failure type and exit statuses."""

from __future__ import annotations

__all__ = ["EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_USAGE", "CliError"]

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
"""The conventional exit status of a program stopped by Ctrl-C (128 + SIGINT)."""


class CliError(Exception):
    """A failure to report as one ``codex-sdk: error: ...`` line, with an exit status."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code
