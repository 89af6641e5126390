"""The official SDK's low-level clients (``CodexClient``, ``AsyncCodexClient``), kept drop-in.

Built on the layers below (the connection, threads, logins); reached through
:mod:`openai_codex.api`. One job per module: ``async_client`` (lifecycle, queue readers,
goal operations) inherits its typed request helpers from ``async_requests``;
``sync_client`` runs it on a loop thread; ``routing`` sends each notification to its pull
queue (``queues``), goal operations live in ``goals``; ``logins``, ``metadata``,
``server_requests``, ``messages`` and ``errors`` hold the helpers around them. ``shared``
binds both clients to a high-level client's connection: they are ``codex._client``.
"""
