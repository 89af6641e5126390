"""``BatchTask``: one prompt of a batch, its thread options, and their early validation.

A task is checked when it is built, before anything runs: its id and prompt, ``cwd`` and
``output_schema`` (a valid JSON Schema), and every thread option against
:meth:`AsyncCodex.thread_start`'s keywords and the ``ThreadStartParams`` protocol model
(names, closed sets of values, value types). A misspelt option raises ``TypeError``, a
wrong value ``ValueError``, so a batch never starts a server for a task that could not run.
A task's repr masks option values that may be secrets.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .._observability.masking import MaskedDict, masked_values

__all__ = ["BatchTask", "TaskFileError", "as_tasks", "parse_tasks", "read_tasks"]

# The keys of a task's dict form that are not thread options.
_TASK_FIELDS = ("id", "prompt", "cwd", "output_schema")
# thread_start keywords whose values are Python objects (functions, handlers): accepted
# as they are (the local backend passes them on; Ray pickles them).
_OBJECT_OPTIONS = frozenset({"tools", "on_approval", "on_user_input"})
# Keywords of thread_start that the SDK translates before validation (checked here by enum).
_SDK_OPTIONS = frozenset({"approval_mode", "sandbox"})

_option_names: frozenset[str] | None = None


def thread_option_names() -> frozenset[str]:
    """Every option a task may carry: ``thread_start``'s keywords and the other
    ``ThreadStartParams`` fields (snake_case), without ``cwd`` (a task field)."""
    global _option_names
    if _option_names is None:
        import inspect

        from .. import AsyncCodex
        from ..types import ThreadStartParams

        signature = inspect.signature(AsyncCodex.thread_start)
        keywords = {
            name
            for name, parameter in signature.parameters.items()
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY
        }
        _option_names = frozenset((keywords | set(ThreadStartParams.model_fields)) - {"cwd"})
    return _option_names


def _validate_options(task_id: str, options: Mapping[str, Any]) -> None:
    from .._conversation.options import approval_mode_of, sandbox_of

    unknown = sorted(set(options) - thread_option_names())
    if unknown:
        raise TypeError(f"task {task_id!r}: unknown option(s): {', '.join(unknown)}")
    wire = {
        name: value
        for name, value in options.items()
        if name not in _OBJECT_OPTIONS and name not in _SDK_OPTIONS and value is not None
    }
    try:
        if options.get("approval_mode") is not None:
            approval_mode_of(options["approval_mode"])
        if options.get("sandbox") is not None:
            sandbox_of(options["sandbox"])
        if wire:
            from .._conversation.option_checks import check_params

            check_params("ThreadStartParams", wire)
    except ValueError as exc:
        raise ValueError(f"task {task_id!r}: {exc}") from None
    if not wire:
        return
    from pydantic import ValidationError

    from ..types import ThreadStartParams

    try:
        ThreadStartParams.model_validate(wire)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise ValueError(f"task {task_id!r}: bad option value: {problems}") from None


class BatchTask:
    """One task of a batch: a prompt run as one turn on a fresh thread.

    ``BatchTask(id, prompt, cwd=None, output_schema=None, **thread_options)``

    Args:
        id: a non-empty string naming the task, unique in its batch; results and the
            results file are keyed by it (a resumed batch skips ids already completed).
        prompt: the turn's input text.
        cwd: the thread's working directory (default: the app-server's).
        output_schema: a JSON Schema the final answer must follow; the parsed answer is
            then :attr:`BatchResult.structured_output`.
        thread_options: keyword options of :meth:`AsyncCodex.thread_start` (``model``,
            ``sandbox``, ``approval_mode``, ``developer_instructions``, ``config``,
            ``base_instructions``, ``ephemeral``, ``personality``, ..., and other
            ``ThreadStartParams`` fields by their snake_case name).

    Raises:
        TypeError: an unknown option, or an id/prompt/cwd/schema of the wrong type.
        ValueError: an empty id or prompt, or an option value the protocol would refuse.
    """

    __slots__ = ("_options", "cwd", "id", "output_schema", "prompt")

    id: str
    prompt: str
    cwd: str | None
    output_schema: dict[str, Any] | None

    def __init__(
        self,
        id: str,
        prompt: str,
        *,
        cwd: str | os.PathLike[str] | None = None,
        output_schema: Mapping[str, Any] | None = None,
        **thread_options: Any,
    ) -> None:
        if not isinstance(id, str):
            raise TypeError(f"a task id must be a string, not {type(id).__name__}")
        if not id.strip():
            raise ValueError("a task id must not be empty")
        if not isinstance(prompt, str):
            kind = type(prompt).__name__
            raise TypeError(f"task {id!r}: the prompt must be a string, not {kind}")
        if not prompt.strip():
            raise ValueError(f"task {id!r}: the prompt is empty")
        if cwd is not None and not isinstance(cwd, (str, os.PathLike)):
            raise TypeError(f"task {id!r}: cwd must be a path, not {type(cwd).__name__}")
        if output_schema is not None:
            from .._conversation.option_checks import check_output_schema

            try:
                check_output_schema(output_schema)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"task {id!r}: {exc}") from None
        _validate_options(id, thread_options)
        self.id = id
        self.prompt = prompt
        self.cwd = os.fspath(cwd) if cwd is not None else None
        self.output_schema = dict(output_schema) if output_schema is not None else None
        self._options = MaskedDict(thread_options)

    @property
    def options(self) -> dict[str, Any]:
        """The thread options (a copy; its repr masks values that may be secrets)."""
        return MaskedDict(self._options)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BatchTask:
        """A task from its JSON form: ``{"id", "prompt", "cwd"?, "output_schema"?, ...}``;
        every other key is a thread option.

        Raises:
            TypeError / ValueError: as the constructor; ``ValueError`` for a missing
                ``id`` or ``prompt``.
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"a task must be a JSON object, not {type(data).__name__}")
        missing = [key for key in ("id", "prompt") if key not in data]
        if missing:
            raise ValueError(f"missing {' and '.join(repr(k) for k in missing)}")
        fields = dict(data)
        return cls(
            fields.pop("id"),
            fields.pop("prompt"),
            cwd=fields.pop("cwd", None),
            output_schema=fields.pop("output_schema", None),
            **fields,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form read by :meth:`from_dict` (options holding Python objects, such as
        ``tools``, are not JSON)."""
        data: dict[str, Any] = {"id": self.id, "prompt": self.prompt}
        if self.cwd is not None:
            data["cwd"] = self.cwd
        if self.output_schema is not None:
            data["output_schema"] = self.output_schema
        data.update(self._options)
        return data

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BatchTask):
            return NotImplemented
        return (self.id, self.prompt, self.cwd, self.output_schema, self._options) == (
            other.id,
            other.prompt,
            other.cwd,
            other.output_schema,
            other._options,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable contents

    def __repr__(self) -> str:
        """Id, prompt, cwd and options; option values that may be secrets (API keys in
        ``config``...) are shown as ``'***'``."""
        extra = "".join(f", {k}={v!r}" for k, v in masked_values(self._options).items())
        where = f", cwd={self.cwd!r}" if self.cwd is not None else ""
        schema = ", output_schema={...}" if self.output_schema is not None else ""
        return f"BatchTask(id={self.id!r}, prompt={self.prompt!r}{where}{schema}{extra})"

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)


def as_tasks(tasks: Iterable[BatchTask | Mapping[str, Any]]) -> list[BatchTask]:
    """Tasks given as :class:`BatchTask` or dicts, as a list; duplicate ids are refused.

    Raises:
        ValueError: two tasks share an id (or a dict is not a valid task).
        TypeError: an entry that is neither a task nor a mapping.
    """
    out: list[BatchTask] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(tasks):
        if isinstance(entry, BatchTask):
            task = entry
        elif isinstance(entry, Mapping):
            task = BatchTask.from_dict(entry)
        else:
            raise TypeError(
                f"task #{index}: expected a BatchTask or a dict, not {type(entry).__name__}"
            )
        if task.id in seen:
            raise ValueError(f"duplicate task id {task.id!r} (tasks #{seen[task.id]} and #{index})")
        seen[task.id] = index
        out.append(task)
    return out


_SHOWN_ERRORS = 3  # bad lines named in the message (all are in ``errors``)


class TaskFileError(ValueError):
    """A tasks file has bad lines; nothing was run.

    Attributes:
        path: the file.
        errors: ``(line number, message)`` for each bad line, in order.
    """

    def __init__(self, path: str, errors: list[tuple[int, str]]) -> None:
        self.path = path
        self.errors = list(errors)
        line, message = self.errors[0]
        text = f"{path}:{line}: {message}"
        for line, message in self.errors[1:_SHOWN_ERRORS]:
            text += f"; line {line}: {message}"
        more = len(self.errors) - _SHOWN_ERRORS
        if more > 0:
            text += f" (and {more} more bad line{'s' if more > 1 else ''})"
        super().__init__(text)


def read_tasks(
    path: str | os.PathLike[str], *, defaults: Mapping[str, Any] | None = None
) -> list[BatchTask]:
    """Read a JSON-lines tasks file: one task object per line (see :meth:`BatchTask.from_dict`).

    Blank lines are skipped. ``defaults`` are keys every task gets unless its line sets
    them (for example ``{"model": "o3"}``). Every line is checked before this returns.

    Raises:
        TaskFileError: some lines are not JSON objects, lack ``id`` or ``prompt``, repeat
            an id or carry unknown or invalid options; the error names each line.
        OSError: the file cannot be read.
    """
    name = os.fspath(path)
    return parse_tasks(Path(name).read_text(encoding="utf-8"), name, defaults=defaults)


def parse_tasks(
    text: str, name: str = "<tasks>", *, defaults: Mapping[str, Any] | None = None
) -> list[BatchTask]:
    """:func:`read_tasks` on the text of a tasks file; ``name`` is used in errors."""
    tasks: list[BatchTask] = []
    errors: list[tuple[int, str]] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            errors.append((number, f"not valid JSON ({exc})"))
            continue
        try:
            if defaults and isinstance(data, Mapping):
                data = {**defaults, **data}
            task = BatchTask.from_dict(data)
        except (TypeError, ValueError) as exc:
            errors.append((number, str(exc)))
            continue
        if task.id in first_line:
            first = first_line[task.id]
            errors.append((number, f"duplicate id {task.id!r} (first on line {first})"))
            continue
        first_line[task.id] = number
        tasks.append(task)
    if errors:
        raise TaskFileError(name, errors)
    return tasks
