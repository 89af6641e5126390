"""Official style: the error hierarchy and retry_on_overload."""

from _setup import CWD, ENV

from openai_codex import (
    Codex,
    CodexConfig,
    CodexRpcError,
    InvalidRequestError,
    JsonRpcError,
    ServerBusyError,
    is_retryable_error,
    retry_on_overload,
)
from openai_codex.errors import map_jsonrpc_error

for code, message in [
    (-32700, "p"),
    (-32600, "bad"),
    (-32601, "nf"),
    (-32602, "ip"),
    (-32603, "int"),
    (-32000, "too many failed attempts"),
    (-1, "x"),
]:
    error = map_jsonrpc_error(code, message)
    print(
        code,
        type(error).__name__,
        error.code,
        error.message,
        isinstance(error, CodexRpcError),
        is_retryable_error(error),
    )
busy = map_jsonrpc_error(-32000, "busy", {"codex_error_info": "server_overloaded"})
print("busy:", type(busy).__name__, is_retryable_error(busy))

calls = []


def flaky() -> str:
    calls.append(1)
    if len(calls) < 3:
        raise ServerBusyError(-32001, "Server overloaded; retry later.")
    return "ok"


print("retry:", retry_on_overload(flaky, initial_delay_s=0.01), len(calls))

with Codex(config=CodexConfig(env=ENV, cwd=CWD)) as codex:
    try:
        codex.thread_resume("00000000-0000-0000-0000-000000000000")
    except CodexRpcError as exc:
        print(
            "resume unknown:",
            type(exc).__name__,
            exc.code,
            isinstance(exc, JsonRpcError),
            isinstance(exc, InvalidRequestError),
        )
