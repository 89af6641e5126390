"""Curated public protocol types of the Codex app-server.

These are the pydantic models generated from the schema of the pinned ``codex`` binary
(``openai_codex._generated.models``; regenerate with ``python scripts/generate_types.py``).
Field names are snake_case; the camelCase wire names are their aliases, and either is
accepted when building a model. Unknown fields sent by a newer server are kept, not rejected.

Names ending in ``Value`` are the plain-string members of a union that also has object
members, e.g. ``AskForApproval = AskForApprovalValue | GranularAskForApproval``. Union
aliases (``ThreadItem``, ``UserInput``, ``Account``...) are discriminated by their tag field;
parse one with ``pydantic.TypeAdapter(ThreadItem).validate_python(data)``.
"""

from __future__ import annotations

from ._generated.models import (
    AcceptWithExecpolicyAmendmentCommandExecutionApprovalDecision as AcceptWithExecpolicyAmendmentCommandExecutionApprovalDecision,  # noqa: E501
)
from ._generated.models import Account as Account
from ._generated.models import (
    AccountLoginCompletedNotification as AccountLoginCompletedNotification,
)
from ._generated.models import (
    AccountRateLimitsUpdatedNotification as AccountRateLimitsUpdatedNotification,
)
from ._generated.models import AccountUpdatedNotification as AccountUpdatedNotification
from ._generated.models import ActiveThreadStatus as ActiveThreadStatus
from ._generated.models import AgentMessageDeltaNotification as AgentMessageDeltaNotification
from ._generated.models import AgentMessageThreadItem as AgentMessageThreadItem
from ._generated.models import AmazonBedrockAccount as AmazonBedrockAccount
from ._generated.models import ApiKeyAccount as ApiKeyAccount
from ._generated.models import ApiKeyLoginAccountParams as ApiKeyLoginAccountParams
from ._generated.models import ApiKeyLoginAccountResponse as ApiKeyLoginAccountResponse
from ._generated.models import (
    ApplyNetworkPolicyAmendmentCommandExecutionApprovalDecision as ApplyNetworkPolicyAmendmentCommandExecutionApprovalDecision,  # noqa: E501
)
from ._generated.models import AskForApproval as AskForApproval
from ._generated.models import AskForApprovalValue as AskForApprovalValue
from ._generated.models import CancelLoginAccountParams as CancelLoginAccountParams
from ._generated.models import CancelLoginAccountResponse as CancelLoginAccountResponse
from ._generated.models import CancelLoginAccountStatus as CancelLoginAccountStatus
from ._generated.models import ChatgptAccount as ChatgptAccount
from ._generated.models import (
    ChatgptAuthTokensLoginAccountParams as ChatgptAuthTokensLoginAccountParams,
)
from ._generated.models import (
    ChatgptAuthTokensLoginAccountResponse as ChatgptAuthTokensLoginAccountResponse,
)
from ._generated.models import (
    ChatgptDeviceCodeLoginAccountParams as ChatgptDeviceCodeLoginAccountParams,
)
from ._generated.models import (
    ChatgptDeviceCodeLoginAccountResponse as ChatgptDeviceCodeLoginAccountResponse,
)
from ._generated.models import ChatgptLoginAccountParams as ChatgptLoginAccountParams
from ._generated.models import ChatgptLoginAccountResponse as ChatgptLoginAccountResponse
from ._generated.models import ClientInfo as ClientInfo
from ._generated.models import CodexErrorInfo as CodexErrorInfo
from ._generated.models import CodexErrorInfoValue as CodexErrorInfoValue
from ._generated.models import CollabAgentToolCallThreadItem as CollabAgentToolCallThreadItem
from ._generated.models import CommandExecutionApprovalDecision as CommandExecutionApprovalDecision
from ._generated.models import (
    CommandExecutionApprovalDecisionValue as CommandExecutionApprovalDecisionValue,
)
from ._generated.models import (
    CommandExecutionOutputDeltaNotification as CommandExecutionOutputDeltaNotification,
)
from ._generated.models import (
    CommandExecutionRequestApprovalParams as CommandExecutionRequestApprovalParams,
)
from ._generated.models import (
    CommandExecutionRequestApprovalResponse as CommandExecutionRequestApprovalResponse,
)
from ._generated.models import CommandExecutionThreadItem as CommandExecutionThreadItem
from ._generated.models import ConfigWarningNotification as ConfigWarningNotification
from ._generated.models import ContextCompactedNotification as ContextCompactedNotification
from ._generated.models import ContextCompactionThreadItem as ContextCompactionThreadItem
from ._generated.models import DeprecationNoticeNotification as DeprecationNoticeNotification
from ._generated.models import DynamicToolCallOutputContentItem as DynamicToolCallOutputContentItem
from ._generated.models import DynamicToolCallParams as DynamicToolCallParams
from ._generated.models import DynamicToolCallResponse as DynamicToolCallResponse
from ._generated.models import DynamicToolCallThreadItem as DynamicToolCallThreadItem
from ._generated.models import DynamicToolSpec as DynamicToolSpec
from ._generated.models import EnteredReviewModeThreadItem as EnteredReviewModeThreadItem
from ._generated.models import ErrorNotification as ErrorNotification
from ._generated.models import ExitedReviewModeThreadItem as ExitedReviewModeThreadItem
from ._generated.models import FileChangeApprovalDecision as FileChangeApprovalDecision
from ._generated.models import (
    FileChangeOutputDeltaNotification as FileChangeOutputDeltaNotification,
)
from ._generated.models import (
    FileChangePatchUpdatedNotification as FileChangePatchUpdatedNotification,
)
from ._generated.models import FileChangeRequestApprovalParams as FileChangeRequestApprovalParams
from ._generated.models import (
    FileChangeRequestApprovalResponse as FileChangeRequestApprovalResponse,
)
from ._generated.models import FileChangeThreadItem as FileChangeThreadItem
from ._generated.models import FileIdUserInput as FileIdUserInput
from ._generated.models import FunctionCallOutputThreadItem as FunctionCallOutputThreadItem
from ._generated.models import FunctionDynamicToolSpec as FunctionDynamicToolSpec
from ._generated.models import GatewayOAuthChangedNotification as GatewayOAuthChangedNotification
from ._generated.models import GetAccountParams as GetAccountParams
from ._generated.models import GetAccountResponse as GetAccountResponse
from ._generated.models import GrantedPermissionProfile as GrantedPermissionProfile
from ._generated.models import GranularAskForApproval as GranularAskForApproval
from ._generated.models import HookPromptThreadItem as HookPromptThreadItem
from ._generated.models import IdleThreadStatus as IdleThreadStatus
from ._generated.models import ImageGenerationThreadItem as ImageGenerationThreadItem
from ._generated.models import ImageUserInput as ImageUserInput
from ._generated.models import ImageViewThreadItem as ImageViewThreadItem
from ._generated.models import InitializeCapabilities as InitializeCapabilities
from ._generated.models import InitializeParams as InitializeParams
from ._generated.models import InitializeResponse as InitializeResponse
from ._generated.models import (
    InputImageDynamicToolCallOutputContentItem as InputImageDynamicToolCallOutputContentItem,
)
from ._generated.models import (
    InputTextDynamicToolCallOutputContentItem as InputTextDynamicToolCallOutputContentItem,
)
from ._generated.models import ItemCompletedNotification as ItemCompletedNotification
from ._generated.models import (
    ItemGuardianApprovalReviewCompletedNotification as ItemGuardianApprovalReviewCompletedNotification,  # noqa: E501
)
from ._generated.models import (
    ItemGuardianApprovalReviewStartedNotification as ItemGuardianApprovalReviewStartedNotification,
)
from ._generated.models import ItemStartedNotification as ItemStartedNotification
from ._generated.models import LocalImageUserInput as LocalImageUserInput
from ._generated.models import LoginAccountParams as LoginAccountParams
from ._generated.models import LoginAccountResponse as LoginAccountResponse
from ._generated.models import LogoutAccountResponse as LogoutAccountResponse
from ._generated.models import McpToolCallProgressNotification as McpToolCallProgressNotification
from ._generated.models import McpToolCallThreadItem as McpToolCallThreadItem
from ._generated.models import MentionUserInput as MentionUserInput
from ._generated.models import Model as Model
from ._generated.models import ModelListParams as ModelListParams
from ._generated.models import ModelListResponse as ModelListResponse
from ._generated.models import ModelReroutedNotification as ModelReroutedNotification
from ._generated.models import NamespaceDynamicToolSpec as NamespaceDynamicToolSpec
from ._generated.models import NotLoadedThreadStatus as NotLoadedThreadStatus
from ._generated.models import PermissionGrantScope as PermissionGrantScope
from ._generated.models import PermissionsRequestApprovalParams as PermissionsRequestApprovalParams
from ._generated.models import (
    PermissionsRequestApprovalResponse as PermissionsRequestApprovalResponse,
)
from ._generated.models import Personality as Personality
from ._generated.models import PlanDeltaNotification as PlanDeltaNotification
from ._generated.models import PlanThreadItem as PlanThreadItem
from ._generated.models import ReasoningEffort as ReasoningEffort
from ._generated.models import ReasoningSummary as ReasoningSummary
from ._generated.models import (
    ReasoningSummaryPartAddedNotification as ReasoningSummaryPartAddedNotification,
)
from ._generated.models import (
    ReasoningSummaryTextDeltaNotification as ReasoningSummaryTextDeltaNotification,
)
from ._generated.models import ReasoningTextDeltaNotification as ReasoningTextDeltaNotification
from ._generated.models import ReasoningThreadItem as ReasoningThreadItem
from ._generated.models import RequestPermissionProfile as RequestPermissionProfile
from ._generated.models import SandboxMode as SandboxMode
from ._generated.models import SandboxPolicy as SandboxPolicy
from ._generated.models import (
    ServerRequestResolvedNotification as ServerRequestResolvedNotification,
)
from ._generated.models import SkillUserInput as SkillUserInput
from ._generated.models import SleepThreadItem as SleepThreadItem
from ._generated.models import SubAgentActivityThreadItem as SubAgentActivityThreadItem
from ._generated.models import SystemErrorThreadStatus as SystemErrorThreadStatus
from ._generated.models import TerminalInteractionNotification as TerminalInteractionNotification
from ._generated.models import TextUserInput as TextUserInput
from ._generated.models import Thread as Thread
from ._generated.models import ThreadArchivedNotification as ThreadArchivedNotification
from ._generated.models import ThreadArchiveParams as ThreadArchiveParams
from ._generated.models import ThreadArchiveResponse as ThreadArchiveResponse
from ._generated.models import ThreadClosedNotification as ThreadClosedNotification
from ._generated.models import ThreadForkParams as ThreadForkParams
from ._generated.models import ThreadForkResponse as ThreadForkResponse
from ._generated.models import ThreadItem as ThreadItem
from ._generated.models import ThreadListParams as ThreadListParams
from ._generated.models import ThreadListResponse as ThreadListResponse
from ._generated.models import ThreadNameUpdatedNotification as ThreadNameUpdatedNotification
from ._generated.models import ThreadReadParams as ThreadReadParams
from ._generated.models import ThreadReadResponse as ThreadReadResponse
from ._generated.models import ThreadResumeParams as ThreadResumeParams
from ._generated.models import ThreadResumeResponse as ThreadResumeResponse
from ._generated.models import ThreadSetNameParams as ThreadSetNameParams
from ._generated.models import ThreadSetNameResponse as ThreadSetNameResponse
from ._generated.models import ThreadStartedNotification as ThreadStartedNotification
from ._generated.models import ThreadStartParams as ThreadStartParams
from ._generated.models import ThreadStartResponse as ThreadStartResponse
from ._generated.models import ThreadStatus as ThreadStatus
from ._generated.models import ThreadStatusChangedNotification as ThreadStatusChangedNotification
from ._generated.models import ThreadTokenUsage as ThreadTokenUsage
from ._generated.models import (
    ThreadTokenUsageUpdatedNotification as ThreadTokenUsageUpdatedNotification,
)
from ._generated.models import ThreadUnarchivedNotification as ThreadUnarchivedNotification
from ._generated.models import ThreadUnarchiveParams as ThreadUnarchiveParams
from ._generated.models import ThreadUnarchiveResponse as ThreadUnarchiveResponse
from ._generated.models import TokenUsageBreakdown as TokenUsageBreakdown
from ._generated.models import ToolRequestUserInputAnswer as ToolRequestUserInputAnswer
from ._generated.models import ToolRequestUserInputOption as ToolRequestUserInputOption
from ._generated.models import ToolRequestUserInputParams as ToolRequestUserInputParams
from ._generated.models import ToolRequestUserInputQuestion as ToolRequestUserInputQuestion
from ._generated.models import ToolRequestUserInputResponse as ToolRequestUserInputResponse
from ._generated.models import Turn as Turn
from ._generated.models import TurnCompletedNotification as TurnCompletedNotification
from ._generated.models import TurnDiffUpdatedNotification as TurnDiffUpdatedNotification
from ._generated.models import TurnError as TurnError
from ._generated.models import TurnInterruptParams as TurnInterruptParams
from ._generated.models import TurnInterruptResponse as TurnInterruptResponse
from ._generated.models import (
    TurnModerationMetadataNotification as TurnModerationMetadataNotification,
)
from ._generated.models import TurnPlanUpdatedNotification as TurnPlanUpdatedNotification
from ._generated.models import TurnStartedNotification as TurnStartedNotification
from ._generated.models import TurnStartParams as TurnStartParams
from ._generated.models import TurnStartResponse as TurnStartResponse
from ._generated.models import TurnStatus as TurnStatus
from ._generated.models import TurnSteerParams as TurnSteerParams
from ._generated.models import TurnSteerResponse as TurnSteerResponse
from ._generated.models import UrlUserInput as UrlUserInput
from ._generated.models import UserInput as UserInput
from ._generated.models import UserMessageThreadItem as UserMessageThreadItem
from ._generated.models import WarningNotification as WarningNotification
from ._generated.models import WebSearchThreadItem as WebSearchThreadItem

__all__ = [
    # Handshake (initialize)
    "ClientInfo",
    "InitializeCapabilities",
    "InitializeParams",
    "InitializeResponse",
    # Threads
    "ActiveThreadStatus",
    "IdleThreadStatus",
    "NotLoadedThreadStatus",
    "SystemErrorThreadStatus",
    "Thread",
    "ThreadArchiveParams",
    "ThreadArchiveResponse",
    "ThreadForkParams",
    "ThreadForkResponse",
    "ThreadListParams",
    "ThreadListResponse",
    "ThreadReadParams",
    "ThreadReadResponse",
    "ThreadResumeParams",
    "ThreadResumeResponse",
    "ThreadSetNameParams",
    "ThreadSetNameResponse",
    "ThreadStartParams",
    "ThreadStartResponse",
    "ThreadStatus",
    "ThreadUnarchiveParams",
    "ThreadUnarchiveResponse",
    # Turns, their input and token usage
    "CodexErrorInfo",
    "CodexErrorInfoValue",
    "FileIdUserInput",
    "ImageUserInput",
    "LocalImageUserInput",
    "MentionUserInput",
    "SkillUserInput",
    "TextUserInput",
    "ThreadTokenUsage",
    "TokenUsageBreakdown",
    "Turn",
    "TurnError",
    "TurnInterruptParams",
    "TurnInterruptResponse",
    "TurnStartParams",
    "TurnStartResponse",
    "TurnStatus",
    "TurnSteerParams",
    "TurnSteerResponse",
    "UrlUserInput",
    "UserInput",
    # Thread items (the ThreadItem union is discriminated by ``type``)
    "AgentMessageThreadItem",
    "CollabAgentToolCallThreadItem",
    "CommandExecutionThreadItem",
    "ContextCompactionThreadItem",
    "DynamicToolCallThreadItem",
    "EnteredReviewModeThreadItem",
    "ExitedReviewModeThreadItem",
    "FileChangeThreadItem",
    "FunctionCallOutputThreadItem",
    "HookPromptThreadItem",
    "ImageGenerationThreadItem",
    "ImageViewThreadItem",
    "McpToolCallThreadItem",
    "PlanThreadItem",
    "ReasoningThreadItem",
    "SleepThreadItem",
    "SubAgentActivityThreadItem",
    "ThreadItem",
    "UserMessageThreadItem",
    "WebSearchThreadItem",
    # Notification payloads (the ``params`` of server notifications)
    "AccountLoginCompletedNotification",
    "AccountRateLimitsUpdatedNotification",
    "AccountUpdatedNotification",
    "AgentMessageDeltaNotification",
    "CommandExecutionOutputDeltaNotification",
    "ConfigWarningNotification",
    "ContextCompactedNotification",
    "DeprecationNoticeNotification",
    "ErrorNotification",
    "FileChangeOutputDeltaNotification",
    "FileChangePatchUpdatedNotification",
    "GatewayOAuthChangedNotification",
    "ItemCompletedNotification",
    "ItemGuardianApprovalReviewCompletedNotification",
    "ItemGuardianApprovalReviewStartedNotification",
    "ItemStartedNotification",
    "McpToolCallProgressNotification",
    "ModelReroutedNotification",
    "PlanDeltaNotification",
    "ReasoningSummaryPartAddedNotification",
    "ReasoningSummaryTextDeltaNotification",
    "ReasoningTextDeltaNotification",
    "ServerRequestResolvedNotification",
    "TerminalInteractionNotification",
    "ThreadArchivedNotification",
    "ThreadClosedNotification",
    "ThreadNameUpdatedNotification",
    "ThreadStartedNotification",
    "ThreadStatusChangedNotification",
    "ThreadTokenUsageUpdatedNotification",
    "ThreadUnarchivedNotification",
    "TurnCompletedNotification",
    "TurnDiffUpdatedNotification",
    "TurnModerationMetadataNotification",
    "TurnPlanUpdatedNotification",
    "TurnStartedNotification",
    "WarningNotification",
    # Models, sandbox and approval settings
    "AskForApproval",
    "AskForApprovalValue",
    "GranularAskForApproval",
    "Model",
    "ModelListParams",
    "ModelListResponse",
    "Personality",
    "ReasoningEffort",
    "ReasoningSummary",
    "SandboxMode",
    "SandboxPolicy",
    # Accounts and sign-in
    "Account",
    "AmazonBedrockAccount",
    "ApiKeyAccount",
    "ApiKeyLoginAccountParams",
    "ApiKeyLoginAccountResponse",
    "CancelLoginAccountParams",
    "CancelLoginAccountResponse",
    "CancelLoginAccountStatus",
    "ChatgptAccount",
    "ChatgptAuthTokensLoginAccountParams",
    "ChatgptAuthTokensLoginAccountResponse",
    "ChatgptDeviceCodeLoginAccountParams",
    "ChatgptDeviceCodeLoginAccountResponse",
    "ChatgptLoginAccountParams",
    "ChatgptLoginAccountResponse",
    "GetAccountParams",
    "GetAccountResponse",
    "LoginAccountParams",
    "LoginAccountResponse",
    "LogoutAccountResponse",
    # Server requests: approvals and user input
    "AcceptWithExecpolicyAmendmentCommandExecutionApprovalDecision",
    "ApplyNetworkPolicyAmendmentCommandExecutionApprovalDecision",
    "CommandExecutionApprovalDecision",
    "CommandExecutionApprovalDecisionValue",
    "CommandExecutionRequestApprovalParams",
    "CommandExecutionRequestApprovalResponse",
    "FileChangeApprovalDecision",
    "FileChangeRequestApprovalParams",
    "FileChangeRequestApprovalResponse",
    "GrantedPermissionProfile",
    "PermissionGrantScope",
    "PermissionsRequestApprovalParams",
    "PermissionsRequestApprovalResponse",
    "RequestPermissionProfile",
    "ToolRequestUserInputAnswer",
    "ToolRequestUserInputOption",
    "ToolRequestUserInputParams",
    "ToolRequestUserInputQuestion",
    "ToolRequestUserInputResponse",
    # Dynamic tools
    "DynamicToolCallOutputContentItem",
    "DynamicToolCallParams",
    "DynamicToolCallResponse",
    "DynamicToolSpec",
    "FunctionDynamicToolSpec",
    "InputImageDynamicToolCallOutputContentItem",
    "InputTextDynamicToolCallOutputContentItem",
    "NamespaceDynamicToolSpec",
]
