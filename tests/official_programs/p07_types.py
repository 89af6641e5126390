"""Official style: the generated types (no server)."""

from openai_codex.generated.v2_all import (
    AskForApproval,
    AskForApprovalValue,
    SandboxPolicy,
    ThreadItem,
    ThreadStartParams,
    TurnStatus,
    UserInput,
)
from openai_codex.models import InitializeResponse, Notification, ServerInfo, UnknownNotification
from openai_codex.types import ReasoningEffort, ReasoningSummary, ThreadSource

print(ReasoningEffort("xhigh"), ReasoningEffort.medium, ReasoningEffort.medium.value)
print([m.name for m in ReasoningEffort])
print(ThreadSource("user"), [m.value for m in ThreadSource])
print(ReasoningSummary.model_validate("concise"), ReasoningSummary.model_validate("none"))
policy = SandboxPolicy.model_validate({"type": "workspaceWrite", "writableRoots": ["/tmp"]})
print(policy)
print(policy.root.type, policy.root.writable_roots)
print(AskForApproval.model_validate("on-request").root is AskForApprovalValue.on_request)
item = ThreadItem.model_validate({"type": "agentMessage", "id": "m1", "text": "hello"})
print(item)
print(item.root.type, item.root.text)
print(UserInput.model_validate({"type": "image", "url": "data:image/png;base64,AA"}))
print([status.value for status in TurnStatus])
print(
    ThreadStartParams(model="m", base_instructions="b").model_dump(by_alias=True, exclude_none=True)
)
print(InitializeResponse(serverInfo=ServerInfo(name="n", version="v"), userAgent="n/v"))
print(UnknownNotification(params={"a": 1}))
print(Notification.__name__, UnknownNotification.__name__)
