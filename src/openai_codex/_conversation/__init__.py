"""Conversations: threads, their turns, and the features built on them.

``thread``/``turn`` are the async source; ``thread_sync`` holds their blocking twins.
``inputs``, ``options`` and ``results`` shape what goes in and comes out; ``session`` is
the narrow view of the client a thread works through. ``goals/`` and ``reviews`` build on
threads and reach them only through ``features`` (the thread modules never import them).
"""
