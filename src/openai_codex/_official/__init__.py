"""The official SDK's low-level clients (``CodexClient``, ``AsyncCodexClient``), kept drop-in.

Built on the layers below (the connection, threads, logins); reached through
``openai_codex.api`` and ``codex._client``.
"""
