"""The client assembly: ``AsyncCodex`` and ``Codex``, and what they need to start.

``config``, ``runtime`` (the binary and its argv) and ``launch`` (transport and
``initialize``) bring a server up; ``async_client`` wires connection, router, dispatcher,
telemetry, listeners and thread features together; ``sync_client`` is the blocking facade.
Only this layer (and those above) imports both threads and the features built on them.
"""
