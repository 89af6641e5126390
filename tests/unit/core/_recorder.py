"""A sink for router tests that records what it is given."""

from __future__ import annotations

from openai_codex import Notification


class Recorder:
    """A sink that records what the router gives it."""

    def __init__(self) -> None:
        self.items: list[Notification] = []
        self.closed = False
        self.error: BaseException | None = None

    def put(self, item: Notification) -> None:
        assert not self.closed, "put after close"
        self.items.append(item)

    def close(self, error: BaseException | None = None) -> None:
        if not self.closed:
            self.closed = True
            self.error = error

    @property
    def methods(self) -> list[str]:
        return [n.method for n in self.items]
