"""What a notebook shows: Markdown renderings of turn results, threads, batch results and
login handles, and the lines a live turn is drawn with
(``live_turn.py``).

Pure logic: no IPython, no I/O, nothing heavy imported (the ``_repr_markdown_`` methods of
the public classes import this module on first use).

Only ``_repr_markdown_`` is offered, no ``_repr_html_``: Jupyter prefers HTML when both
exist, and an HTML rendering of the model's answer would need a Markdown converter in the
core install; as Markdown the frontend renders the answer itself (headings, lists, code).
The items of a turn are folded in a ``<details>`` block, which Jupyter's Markdown keeps.

Secrets. Only the model's own words (agent messages, the final response) are shown as they
are. Everything else that can carry user or environment data (commands and their output,
errors, thread options) goes through ``_observability.redact.scrub_text``; a thread's
``config`` overrides are listed by key, never by value; tool arguments are not shown; a
login shows no token and not its auth URL's query, and a device code only while its login
is pending (the person at the notebook has to type it; afterwards it is worthless and
hidden).
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

from .redact import scrub_text
from .usage import TokenUsage

__all__ = [
    "batch_markdown",
    "item_summary",
    "login_markdown",
    "thread_markdown",
    "turn_markdown",
    "turn_plain",
]

AGENT_DELTA = "item/agentMessage/delta"
ITEM_STARTED = "item/started"
ITEM_COMPLETED = "item/completed"

_ICONS = {
    "completed": "✅",
    "failed": "❌",
    "interrupted": "⏹️",
    "inProgress": "⏳",
    "pending": "⏳",
    "succeeded": "✅",
    "closed": "⏹️",
}
_LABELS = {"inProgress": "in progress"}
_LINE = 160  # characters of a one-line summary
_OUTPUT_LINES = 12  # lines of a command's output shown under its item
_OPTION_TEXT = 80  # characters of a thread option's value


# --------------------------------------------------------------------------- text helpers


def _value(value: Any) -> Any:
    """An enum's value, else the value itself."""
    return getattr(value, "value", value)


def shorten(text: str, limit: int = _LINE) -> str:
    """``text`` on one line, cut at ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")


def escape(text: str) -> str:
    """``text`` shown literally inside Markdown (no emphasis, links, HTML or headings)."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def code_span(text: str, limit: int = _LINE) -> str:
    """``text`` on one line as an inline code span (any backticks inside kept literal)."""
    line = shorten(text, limit)
    runs = [len(run) for run in re.findall(r"`+", line)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if line.startswith("`") or line.endswith("`") else ""
    return f"{fence}{pad}{line}{pad}{fence}" if line else "*(empty)*"


def code_block(text: str, info: str = "") -> str:
    """``text`` as a fenced code block whose fence no line of ``text`` can close."""
    runs = [len(run) for run in re.findall(r"^\s*(`{3,})", text, flags=re.MULTILINE)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def response_block(text: str) -> str:
    """The model's answer as Markdown; a code fence it left open is closed, so the answer
    cannot swallow what follows it."""
    open_fence: str | None = None
    for line in text.splitlines():
        match = re.match(r"\s{0,3}(`{3,}|~{3,})(.*)", line)
        if match is None:
            continue
        fence, rest = match.groups()
        if open_fence is None:
            open_fence = fence
        elif fence[0] == open_fence[0] and len(fence) >= len(open_fence) and not rest.strip():
            open_fence = None  # a closing fence: as long at least, and nothing after it
    text = text.rstrip()
    return text + f"\n{open_fence}" if open_fence is not None else text


def _tail(text: str, lines: int = _OUTPUT_LINES) -> str:
    """The last ``lines`` lines of ``text`` (a note says how many were left out)."""
    parts = text.rstrip().splitlines()
    if len(parts) <= lines:
        return "\n".join(parts)
    return "\n".join([f"… {len(parts) - lines} more lines", *parts[-lines:]])


def status_badge(status: str) -> str:
    """A status with its icon: ``✅ completed``."""
    icon = _ICONS.get(status, "•")
    return f"{icon} {_LABELS.get(status, status)}"


def duration_text(ms: float | None) -> str | None:
    """``1.5 s`` / ``120 ms`` / ``2 min 5 s``, or ``None``."""
    if ms is None:
        return None
    if ms < 1000:
        return f"{ms:.0f} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def usage_text(usage: TokenUsage | None) -> str | None:
    """``**1,234 tokens** (input 1,200, cached 0, output 34, reasoning 0)``, or ``None``."""
    if usage is None:
        return None
    return (
        f"**{usage.total_tokens:,} tokens** (input {usage.input_tokens:,}, "
        f"cached {usage.cached_input_tokens:,}, output {usage.output_tokens:,}, "
        f"reasoning {usage.reasoning_output_tokens:,})"
    )


def _join(parts: Iterable[str | None]) -> str:
    return " · ".join(part for part in parts if part)


# --------------------------------------------------------------------------- items


def wire(item: Any) -> dict[str, Any]:
    """A thread item as its wire dict (camelCase keys), from a model or a dict."""
    if isinstance(item, Mapping):
        return dict(item)
    dump = getattr(item, "model_dump", None)
    if dump is not None:
        data = dump(mode="json", by_alias=True, exclude_none=True)
        if isinstance(data, dict):
            return data
    return {"type": str(getattr(item, "type", type(item).__name__))}


def _user_text(content: Any) -> str:
    parts = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, Mapping):
            continue
        kind = part.get("type")
        if kind == "text":
            parts.append(str(part.get("text", "")))
        elif kind in ("image", "localImage"):
            parts.append("[image]")
        elif kind is not None:
            parts.append(f"[{kind}]")
    return " ".join(parts)


def _tool_name(item: Mapping[str, Any]) -> str:
    names = [item.get("server") or item.get("namespace"), item.get("tool") or item.get("name")]
    return ".".join(str(n) for n in names if n) or "tool"


def _status_suffix(item: Mapping[str, Any]) -> str:
    status = _value(item.get("status"))
    shown = isinstance(status, str) and status not in ("completed", "inProgress")
    return f" ({status})" if shown else ""


def _command(data: Mapping[str, Any]) -> tuple[str, str]:
    """A command item's command line (scrubbed) and what follows it (exit code, time)."""
    command = data.get("command")
    if isinstance(command, list):
        command = " ".join(str(c) for c in command)
    exit_code = data.get("exitCode")
    suffix = f" → exit {exit_code}" if isinstance(exit_code, int) else _status_suffix(data)
    duration = duration_text(data.get("durationMs"))
    if duration:
        suffix += f" ({duration})"
    return scrub_text(str(command or "")), suffix


def item_summary(item: Any) -> tuple[str, str, str]:
    """One line about a thread item: ``(icon, label, detail)``, detail as plain text.

    Nothing in ``detail`` needs hiding: commands pass :func:`scrub_text`, tool calls show
    their name and status but not their arguments.
    """
    data = wire(item)
    kind = str(data.get("type", "item"))
    if kind == "userMessage":
        return "👤", "user", shorten(_user_text(data.get("content")))
    if kind == "agentMessage":
        return "💬", "agent", shorten(str(data.get("text") or ""))
    if kind == "reasoning":
        summary = data.get("summary")
        text = " ".join(str(s) for s in summary) if isinstance(summary, list) else ""
        return "🧠", "reasoning", shorten(text)
    if kind == "plan":
        return "🗺️", "plan", shorten(str(data.get("text") or ""))
    if kind == "commandExecution":
        command, suffix = _command(data)
        return "⚙️", "command", shorten(command) + suffix
    if kind == "fileChange":
        changes = data.get("changes")
        files = []
        for change in changes if isinstance(changes, list) else []:
            if isinstance(change, Mapping):
                how = change.get("kind")
                how = how.get("type") if isinstance(how, Mapping) else how
                files.append(f"{change.get('path', '?')}" + (f" ({how})" if how else ""))
        count = f"{len(files)} file" + ("" if len(files) == 1 else "s")
        detail = f"{count}: {', '.join(files)}" if files else count
        return "📝", "file change", shorten(scrub_text(detail)) + _status_suffix(data)
    if kind in ("mcpToolCall", "dynamicToolCall", "collabAgentToolCall"):
        detail = _tool_name(data) + _status_suffix(data)
        if data.get("success") is False:
            detail += " (failed)"
        return "🛠️", "tool", detail
    if kind == "functionCallOutput":
        return "🛠️", "tool output", _tool_name(data)
    if kind == "webSearch":
        return "🔎", "web search", shorten(scrub_text(str(data.get("query") or "")))
    if kind == "imageView":
        return "🖼️", "image", shorten(str(data.get("path") or ""))
    if kind == "imageGeneration":
        return "🎨", "image generation", _value(data.get("status")) or ""
    if kind == "contextCompaction":
        return "🗜️", "context compaction", ""
    if kind in ("enteredReviewMode", "exitedReviewMode"):
        return "🔍", "review", "started" if kind == "enteredReviewMode" else "finished"
    if kind == "sleep":
        return "💤", "sleep", duration_text(data.get("durationMs")) or ""
    return "•", kind, ""


def _item_line(item: Any) -> str:
    data = wire(item)
    if data.get("type") == "commandExecution":
        command, suffix = _command(data)
        line = f"- ⚙️ **command** {code_span(command)}{escape(suffix)}"
        output = data.get("aggregatedOutput")
        if isinstance(output, str) and output.strip():
            block = code_block(_tail(scrub_text(output)))
            line += "\n\n" + "\n".join("  " + row if row else "" for row in block.splitlines())
        return line
    icon, label, detail = item_summary(data)
    return f"- {icon} **{label}**" + (f" {escape(detail)}" if detail else "")


def items_markdown(items: list[Any]) -> str:
    """The items folded under a ``<details>`` summary (``3 items: 1 command, ...``)."""
    if not items:
        return ""
    counts: dict[str, int] = {}
    for item in items:
        label = item_summary(item)[1]
        counts[label] = counts.get(label, 0) + 1
    kinds = ", ".join(f"{n} {label}" for label, n in counts.items())
    noun = "item" if len(items) == 1 else "items"
    summary = f"<summary>{len(items)} {noun}: {html.escape(kinds)}</summary>"
    lines = "\n".join(_item_line(item) for item in items)
    return f"<details>{summary}\n\n{lines}\n\n</details>"


# --------------------------------------------------------------------------- turn results


def _turn_usage(result: Any) -> TokenUsage | None:
    return TokenUsage.from_turn_usage(getattr(result, "usage", None))


def error_text(result: Any) -> str | None:
    """The message of a turn's error, scrubbed and on one line, or ``None``."""
    error = getattr(result, "error", None)
    if error is None:
        return None
    message = getattr(error, "message", None) or str(error)
    return shorten(scrub_text(str(message)), 500)


def turn_markdown(
    result: Any, *, streaming: str | None = None, cursor: bool = False, note: str | None = None
) -> str:
    """A :class:`~openai_codex.TurnResult` as Markdown: status line, the final response,
    the error, the items folded.

    ``streaming``: the text of an agent message still arriving (shown instead of the final
    response, followed by a cursor when ``cursor``); ``note``: a line about how the drawing
    ended (an exception).
    """
    status = str(_value(result.status))
    usage = usage_text(_turn_usage(result))
    head = _join(
        [
            f"**{status_badge(status)}**",
            f"turn {code_span(str(result.id))}",
            duration_text(result.duration_ms),
            f"{usage} on the thread" if usage else None,
        ]
    )
    parts = [head]
    if streaming:
        parts.append(response_block(streaming) + (" ▌" if cursor else ""))
    elif result.final_response:
        parts.append(response_block(result.final_response))
    elif status != "inProgress":
        parts.append("*No final response.*")
    error = error_text(result)
    if error:
        parts.append("> **Error:** " + escape(error))
    if note:
        parts.append("> " + escape(shorten(scrub_text(note), 500)))
    folded = items_markdown(list(result.items))
    if folded:
        parts.append(folded)
    return "\n\n".join(parts) + "\n"


def turn_plain(result: Any, *, streaming: str | None = None, note: str | None = None) -> str:
    """A :class:`~openai_codex.TurnResult` as plain text: a status line and the response."""
    status = str(_value(result.status))
    usage = _turn_usage(result)
    head = _join(
        [
            f"Turn {result.id}: {_LABELS.get(status, status)}",
            duration_text(result.duration_ms),
            f"{usage.total_tokens:,} tokens on the thread" if usage else None,
            f"{len(result.items)} items" if result.items else None,
        ]
    )
    lines = [head]
    text = streaming or result.final_response
    if text:
        lines.append(text.rstrip())
    error = error_text(result)
    if error:
        lines.append("Error: " + error)
    if note:
        lines.append(shorten(scrub_text(note), 500))
    return "\n".join(lines)


# --------------------------------------------------------------------------- threads


def _option_text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        value = json.dumps(value, sort_keys=True)
    return shorten(scrub_text(str(_value(value))), _OPTION_TEXT)


def options_markdown(options: Mapping[str, Any]) -> str:
    """A thread's remembered options as a list; ``config`` by key only (values may be
    secrets), the others scrubbed and shortened."""
    lines = []
    for key in sorted(options):
        value = options[key]
        if value is None:
            continue
        if key == "config":
            keys = sorted(str(k) for k in value) if isinstance(value, Mapping) else []
            shown = ", ".join(code_span(k, 60) for k in keys) or "(none)"
            lines.append(f"- `config`: {shown} (values not shown)")
        else:
            lines.append(f"- `{key}`: {code_span(_option_text(value))}")
    return "\n".join(lines)


def thread_markdown(thread: Any, options: Mapping[str, Any]) -> str:
    """A thread (sync or async) as Markdown: id, name, model, usage seen by this client,
    provider, cwd, preview, and ``options``, the settings it was opened with (folded)."""
    info = thread.info  # as of the last start, resume, fork or read: no status, it goes stale
    usage = thread.usage
    head = _join(
        [
            f"**Thread** {code_span(thread.id)}",
            escape(shorten(info.name, 80)) if info is not None and info.name else None,
            f"model {code_span(info.model)}" if info is not None and info.model else None,
            f"{usage_text(usage)} used by this client" if usage else None,
        ]
    )
    parts = [head]
    if info is not None:
        details = _join(
            [
                f"provider {code_span(info.model_provider)}" if info.model_provider else None,
                f"cwd {code_span(scrub_text(str(getattr(info.cwd, 'root', info.cwd))))}",
                "created " + time.strftime("%Y-%m-%d %H:%M", time.localtime(info.created_at)),
            ]
        )
        parts.append(details)
        if info.preview:
            parts.append("> " + escape(shorten(info.preview, 200)))
    listed = options_markdown(options)
    if listed:
        parts.append(f"<details><summary>options</summary>\n\n{listed}\n\n</details>")
    return "\n\n".join(parts) + "\n"


# --------------------------------------------------------------------------- batch results


def batch_markdown(result: Any) -> str:
    """A :class:`~openai_codex.batch.BatchResult` as Markdown."""
    attempts = f"{result.attempts} attempt" + ("" if result.attempts == 1 else "s")
    head = _join(
        [
            f"**{status_badge(result.status)}**",
            f"task {code_span(result.id)}",
            attempts,
            duration_text(result.duration_s * 1000),
            usage_text(result.usage),
            f"thread {code_span(result.thread_id)}" if result.thread_id else None,
        ]
    )
    parts = [head]
    if result.structured_output is not None:
        text = json.dumps(result.structured_output, indent=2, ensure_ascii=False)
        parts.append(code_block(text, "json"))
    elif result.final_response:
        parts.append(response_block(result.final_response))
    if result.error:
        parts.append("> **Error:** " + escape(shorten(scrub_text(result.error), 500)))
    return "\n\n".join(parts) + "\n"


# --------------------------------------------------------------------------- logins


def _url_without_query(url: str) -> str:
    base, sep, _query = url.partition("?")
    return base + ("?…" if sep else "")


def _link(url: str) -> str:
    """``url`` as a Markdown autolink, or as code when it could not be one."""
    if re.fullmatch(r"https?://[^\s<>]+", url):
        return f"<{url}>"
    return code_span(url)


def login_markdown(handle: Any, state: str, error: str | None) -> str:
    """A ChatGPT login handle (browser or device code, sync or async) as Markdown.

    ``state`` is ``pending``, ``succeeded``, ``failed`` or ``closed``; ``error`` the
    completion's error text, if any.
    """
    device = hasattr(handle, "user_code")
    kind = "device code" if device else "browser"
    parts = [
        _join(
            [
                f"**ChatGPT sign-in** ({kind})",
                f"**{status_badge(state)}**",
                f"login {code_span(handle.login_id)}",
            ]
        )
    ]
    if state == "pending":
        if device:
            url = _link(handle.verification_url)
            parts.append(f"Open {url} and enter the code **{code_span(handle.user_code)}**.")
        else:
            url = code_span(_url_without_query(handle.auth_url))
            parts.append(
                f"Open this handle's `auth_url` in a browser ({url}; its query is not "
                "shown here), then `wait()`."
            )
    if error:
        parts.append("> **Error:** " + escape(shorten(scrub_text(error), 500)))
    return "\n\n".join(parts) + "\n"
