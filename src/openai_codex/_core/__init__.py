"""The wire core: bytes in and out of an app-server, JSON-RPC, and where each message goes.

``transport/`` moves bytes (stdio, WebSocket) behind one interface; ``protocol`` is the
sans-IO JSON-RPC state machine (framing, ids, the pending table); ``connection`` owns one
transport, one reader and the ``router``, which hands notifications to per-consumer
``sinks``. Also the sans-IO policies (``deadline``, ``restarts``), the typed notification
views, and the machinery of the blocking facade (``portal``: the loop thread;
``reader_lease``; ``mirrors``). Nothing here knows threads, turns or logins.
"""
