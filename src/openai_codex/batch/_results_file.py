"""The results file: JSON lines, one per finished task, appended as each task ends.

Format: each line is one :meth:`BatchResult.to_dict` object followed by ``\\n``. A line is
written with a single ``write()`` on a file opened ``O_APPEND`` by the batch's one writer,
so the file only ever grows by whole lines and can be read (``tail -f``, :func:`read_results`)
while the batch runs. A task that runs again (a failed task on a resumed batch) gets a new
line; the last line of an id wins. A batch killed in the middle of a write leaves at most
one unterminated last line: readers skip it and the next writer cuts it off.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from ._result import BatchResult

__all__ = ["ResultsWriter", "latest_results", "read_results"]


def read_results(path: str | os.PathLike[str]) -> list[BatchResult]:
    """Every record of a results file, in file order (a missing file has none).

    An unterminated last line that is not valid JSON (the trace of a writer killed
    mid-line) is skipped.

    Raises:
        ValueError: a complete line that is not a result record, with its line number.
        OSError: the file exists but cannot be read.
    """
    name = os.fspath(path)
    try:
        data = Path(name).read_bytes()
    except FileNotFoundError:
        return []
    lines = data.split(b"\n")
    # After the last "\n" there is b"" (a complete file) or an unterminated tail.
    tail = lines.pop()
    records: list[BatchResult] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        records.append(_parse(name, number, raw))
    if tail.strip():
        with contextlib.suppress(ValueError):  # half a line from an interrupted writer
            records.append(_parse(name, len(lines) + 1, tail))
    return records


def _parse(name: str, number: int, raw: bytes) -> BatchResult:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"{name}:{number}: not a results line (not JSON: {exc})") from None
    try:
        return BatchResult.from_dict(data)
    except ValueError as exc:
        raise ValueError(f"{name}:{number}: not a results line ({exc})") from None


def latest_results(records: Iterable[BatchResult]) -> dict[str, BatchResult]:
    """The last record of each task id."""
    latest: dict[str, BatchResult] = {}
    for record in records:
        latest[record.id] = record
    return latest


class ResultsWriter:
    """Appends results to a file, one whole line per ``write()`` call, flushed at once.

    Use one writer per file at a time (the batch's driver is it). Opening creates the file
    if needed and cuts an unterminated last line left by a killed writer (half a record),
    so every line of the file stays a whole record.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            self._drop_partial_line(self._fd)
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _drop_partial_line(fd: int) -> None:
        """Cut an unterminated last line (half a record from a killed writer)."""
        size = os.fstat(fd).st_size
        if not size or os.pread(fd, 1, size - 1) == b"\n":
            return
        end = size
        while end > 0:
            start = max(0, end - 65536)
            chunk = os.pread(fd, end - start, start)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                os.ftruncate(fd, start + cut + 1)
                return
            end = start
        os.ftruncate(fd, 0)

    def write(self, result: BatchResult) -> None:
        """Append ``result`` as one line (one ``write()`` of the whole line)."""
        line = json.dumps(result.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"
        self._write_all(line.encode("utf-8"))

    def _write_all(self, data: bytes) -> None:
        if self._fd is None:
            raise ValueError("the results file is closed")
        view = memoryview(data)
        while view:  # a regular file takes it in one write; loop for the exotic ones
            written = os.write(self._fd, view)
            view = view[written:]

    def close(self) -> None:
        """Close the file (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
