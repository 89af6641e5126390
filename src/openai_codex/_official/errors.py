"""The exceptions the official low-level clients add to :mod:`openai_codex.errors`.

Also the one error both clients raise when called before ``start()`` or after ``close()``,
so that the blocking and the async client word it the same way.
"""

from __future__ import annotations

from ..errors import CodexError, ProtocolError, TransportClosedError

__all__ = [
    "ClientStateError",
    "InitializeMetadataError",
    "StreamEndedError",
    "not_running_error",
]


class ClientStateError(CodexError, RuntimeError):
    """A call that does not fit the client's state.

    For example reading a turn that was unregistered, or a second goal operation on a
    thread. A ``RuntimeError`` too, as the official SDK raises one.
    """


class StreamEndedError(TransportClosedError):
    """A notification queue of the low-level client is over.

    Its turn or login completed, or its goal operation finished or was unregistered. A
    :class:`~openai_codex.TransportClosedError`, as the official SDK raises for a turn that
    is no longer streaming; the connection itself may still be open.
    """


class InitializeMetadataError(ProtocolError, RuntimeError):
    """The ``initialize`` answer lacks the server's user agent, name or version.

    A ``RuntimeError`` too, as the official SDK raises one.
    """


def not_running_error(closed: bool) -> TransportClosedError:
    """What a call gets when the client has no server: closed, or not started yet."""
    if closed:
        return TransportClosedError("the client is closed")
    return TransportClosedError(
        "the Codex app-server is not running; call start() (and initialize()) first"
    )
