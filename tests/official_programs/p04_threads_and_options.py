"""Official style: thread options, approval modes, sandboxes, lists, resume and fork."""

from _setup import CWD, ENV

from openai_codex import ApprovalMode, Codex, CodexConfig, Sandbox
from openai_codex.types import ReasoningEffort, ReasoningSummary, SortDirection, ThreadSortKey

modes = (ApprovalMode.deny_all, ApprovalMode.auto_review)
print("modes:", [(m.name, m.value) for m in modes])
print("from values:", ApprovalMode("deny_all"), Sandbox("full-access"))
sandboxes = (Sandbox.read_only, Sandbox.workspace_write, Sandbox.full_access)
print("sandboxes:", [(s.name, s.value) for s in sandboxes])

with Codex(config=CodexConfig(env=ENV, cwd=CWD)) as codex:
    first = codex.thread_start(
        approval_mode=ApprovalMode.deny_all,
        sandbox=Sandbox.read_only,
        developer_instructions="Be brief.",
        service_name="official-style",
    )
    done = first.run(
        "One",
        effort=ReasoningEffort.low,
        summary=ReasoningSummary.model_validate("concise"),
        sandbox=Sandbox.workspace_write,
        approval_mode=ApprovalMode.auto_review,
        output_schema={"type": "object", "properties": {"answer": {"type": "string"}}},
    )
    print("run with options:", done.status, done.final_response)
    second = codex.thread_start(sandbox=Sandbox.full_access)
    second.run("Two")
    page = codex.thread_list(
        limit=10,
        sort_key=ThreadSortKey.created_at,
        sort_direction=SortDirection.desc,
        archived=False,
    )
    print("listed:", len(page.data), type(page).__name__)
    resumed = codex.thread_resume(first.id, include_turns=True, approval_mode=ApprovalMode.deny_all)
    print("resumed:", type(resumed).__name__, resumed.id == first.id)
    forked = codex.thread_fork(first.id, include_turns=False)
    print("forked:", type(forked).__name__, forked.id != first.id)
    print("fork run:", forked.run("Three").final_response)
    print("archive:", codex.thread_archive(second.id))
    print("archived listed:", len(codex.thread_list(archived=True).data))
