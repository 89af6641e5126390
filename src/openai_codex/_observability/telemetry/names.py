"""The vocabulary of the SDK's spans: attribute names, span names, observed notifications.

The OpenTelemetry GenAI semantic conventions are spelled out here so that the SDK does not
depend on the semantic-conventions package; the ``codex.*`` names are the SDK's own (all
listed in ``docs/observability.md``).
"""

from __future__ import annotations

from ..usage import TOKEN_USAGE_UPDATED, TURN_COMPLETED, TURN_STARTED

# The OpenTelemetry GenAI semantic conventions.
GEN_AI_OPERATION_NAME = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME = "gen_ai.provider.name"
GEN_AI_SYSTEM = "gen_ai.system"  # the older name of gen_ai.provider.name
GEN_AI_AGENT_NAME = "gen_ai.agent.name"
GEN_AI_CONVERSATION_ID = "gen_ai.conversation.id"
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens"
GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens"
GEN_AI_TOOL_NAME = "gen_ai.tool.name"
GEN_AI_TOOL_TYPE = "gen_ai.tool.type"
GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id"
GEN_AI_TOOL_CALL_ARGUMENTS = "gen_ai.tool.call.arguments"
GEN_AI_TOOL_CALL_RESULT = "gen_ai.tool.call.result"
GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages"
GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages"
ERROR_TYPE = "error.type"
PROCESS_COMMAND_LINE = "process.command_line"
PROCESS_EXIT_CODE = "process.exit.code"
SERVER_ADDRESS = "server.address"

INVOKE_AGENT = "invoke_agent"
EXECUTE_TOOL = "execute_tool"
AGENT_NAME = "codex"

# Codex's own attributes.
TURN_ID = "codex.turn.id"
TURN_STATUS = "codex.turn.status"
TOTAL_TOKENS = "codex.usage.total_tokens"
ITEM_ID = "codex.item.id"
ITEM_TYPE = "codex.item.type"
ITEM_STATUS = "codex.item.status"
DURATION_MS = "codex.duration_ms"
COMMAND_CWD = "codex.command.cwd"
COMMAND_OUTPUT = "codex.command.output"
FILE_PATHS = "codex.file_change.paths"
MCP_SERVER = "codex.mcp.server"
TOOL_NAMESPACE = "codex.tool.namespace"
TOOL_SUCCESS = "codex.tool.success"
WEB_SEARCH_QUERY = "codex.web_search.query"
APPROVAL_KIND = "codex.approval.kind"
APPROVAL_DECISION = "codex.approval.decision"
DECIDED_BY = "codex.decided_by"
REQUEST_METHOD = "codex.request.method"
USER_INPUT_QUESTIONS = "codex.user_input.questions"
USER_INPUT_ANSWERED = "codex.user_input.answered"
LOGIN_METHOD = "codex.login.method"
LOGIN_ID = "codex.login.id"
LOGIN_OUTCOME = "codex.login.outcome"
RUNTIME_VERSION = "codex.runtime.version"
TRANSPORT = "codex.transport"
RESTART = "codex.restart"

ITEM_STARTED = "item/started"
ITEM_COMPLETED = "item/completed"
LOGIN_COMPLETED = "account/login/completed"

USAGE_METHODS = frozenset({TURN_STARTED, TURN_COMPLETED, TOKEN_USAGE_UPDATED})
"""What the router shows every client's observer (usage accounting)."""
TRACE_METHODS = USAGE_METHODS | {ITEM_STARTED, ITEM_COMPLETED, LOGIN_COMPLETED}
"""What it shows while tracing is on."""

MAX_CONTENT_CHARS = 16_000
"""Longest text recorded in one attribute with ``trace_content`` (the rest is cut)."""
