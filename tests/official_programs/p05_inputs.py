"""Official style: input items and external messages."""

from _setup import CWD, ENV

from openai_codex import Codex, CodexConfig, ExternalMessage, TextInput

with Codex(config=CodexConfig(env=ENV, cwd=CWD)) as codex:
    thread = codex.thread_start()
    result = thread.run([TextInput("first part"), TextInput("second part")])
    print("items:", [item.root.type for item in result.items])
    print("user content:", [c.root.text for c in result.items[0].root.content])
    external = thread.run(ExternalMessage("inbox", "Untrusted mail body"))
    print(external)
    print(
        "external:", [(item.root.type, getattr(item.root, "name", None)) for item in external.items]
    )
    parts = thread.run(
        ExternalMessage("web", [{"type": "input_text", "text": "page text"}], namespace="browser")
    )
    output = parts.items[0].root
    print("namespaced:", output.type, output.name, output.namespace, output.output)
    try:
        thread.run([TextInput("a"), ExternalMessage("x", "y")])
    except TypeError:
        print("mixing an ExternalMessage into a list: TypeError")
