"""Generated protocol models under the official SDK's module paths.

``openai_codex.generated.v2_all`` holds every protocol class generated from the pinned
runtime's JSON Schema (the same classes as ``openai_codex.types``), and
``openai_codex.generated.notification_registry`` maps notification methods to their payload
models. Both are faces of ``openai_codex._generated``; import them when you need them
(importing every model takes a few tenths of a second).
"""
