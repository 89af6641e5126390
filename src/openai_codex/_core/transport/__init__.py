"""Transports move bytes between the SDK and an app-server; they know nothing of JSON-RPC.

A transport pushes what it receives: the connection registers two callbacks with
``Transport.start`` and the transport calls them on the event loop as data arrives
(no task hop per chunk, which is measurably cheaper than a pull loop).

The package holds the interface (:mod:`.base`), the stdio transport (:mod:`.stdio`, which
adopts a process started by :mod:`._popen`) and the WebSocket transport (:mod:`.websocket`).
Nothing is imported here: the sync client launches the server through ``_popen`` before
asyncio and typing are loaded.
"""
