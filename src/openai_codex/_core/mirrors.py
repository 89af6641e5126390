"""Blocking methods that show the parameters of the async methods they run.

The sync facades (``Codex``, ``Thread``...) take ``*args, **kwargs`` and pass them to
their async twin, whose signature is the single source of every keyword. :func:`mirrors`
copies that signature onto the blocking method, so that ``inspect.signature``, ``help()``
and type checkers show the real parameters.

The async twin may be named by a :func:`lazy` reference: then its module (and asyncio with
it) loads when the method is first looked up, not when the facade's class is defined. That
keeps ``from openai_codex import Codex`` cheap, so that ``Codex()`` can launch the server
before the rest of the SDK is imported (the cold start). This module imports no asyncio.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (cold start)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Concatenate, ParamSpec, TypeVar

    P = ParamSpec("P")
    R = TypeVar("R")

__all__ = ["lazy", "mirrors"]


class _LazyRef:
    """``module:attr.attr...``, looked up on :meth:`resolve`; attribute access extends it."""

    __slots__ = ("_module", "_path")

    def __init__(self, module: str, path: str) -> None:
        self._module = module
        self._path = path

    def __getattr__(self, name: str) -> _LazyRef:
        if name.startswith("__"):
            raise AttributeError(name)
        return _LazyRef(self._module, f"{self._path}.{name}")

    def resolve(self) -> Any:
        """Import the module and return the attribute."""
        value: Any = importlib.import_module(self._module, __package__)
        for part in self._path.split("."):
            value = getattr(value, part)
        return value

    def __repr__(self) -> str:
        return f"<lazy {self._module}:{self._path}>"


def lazy(module: str, name: str) -> Any:
    """A reference to ``name`` in ``module`` (an absolute module name), loaded on first use.

    Only :func:`mirrors` understands it:
    ``lazy("openai_codex._client.async_client", "AsyncCodex").thread_start`` names that
    method without importing the module.
    """
    return _LazyRef(module, name)


def _copy_signature(method: Callable[..., Any], source: Callable[..., Any]) -> None:
    import inspect

    returns = inspect.signature(method).return_annotation
    method.__signature__ = inspect.signature(source).replace(  # type: ignore[attr-defined]
        return_annotation=returns
    )


class _PendingMirror:
    """A class attribute holding a blocking method until its async twin is first needed.

    The first lookup (``Codex.thread_start`` or ``codex.thread_start``) copies the twin's
    signature onto the method and puts the plain function back in the class, so every
    later lookup is an ordinary method lookup.
    """

    def __init__(self, method: Callable[..., Any], source: _LazyRef) -> None:
        self._method = method
        self._source = source
        self._owner: type | None = None
        self._name = method.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self._owner = owner
        self._name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        method = self._method
        if "__signature__" not in method.__dict__:
            _copy_signature(method, self._source.resolve())
        if self._owner is not None and self._owner.__dict__.get(self._name) is self:
            setattr(self._owner, self._name, method)
        return method.__get__(instance, owner)


def mirrors(
    source: Callable[Concatenate[Any, P], Any],
) -> Callable[[Callable[..., R]], Callable[Concatenate[Any, P], R]]:
    """Give a blocking method the parameters of the async method ``source`` it runs.

    ``source`` is the async method itself, or a :func:`lazy` reference to it (the signature
    is then copied on the method's first lookup). The blocking method keeps its own return
    annotation.
    """

    def decorate(method: Callable[..., R]) -> Callable[Concatenate[Any, P], R]:
        if isinstance(source, _LazyRef):
            return _PendingMirror(method, source)  # type: ignore[return-value,unused-ignore]
        _copy_signature(method, source)
        return method

    return decorate
