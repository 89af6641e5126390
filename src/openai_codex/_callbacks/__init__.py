"""The server's requests to the client: dispatch, Python tools, approvals and user input.

``dispatch`` answers every request the app-server sends (routed by the thread and turn it
names); ``tools`` (with ``tool_schema`` and ``tool_output``) turns Python functions into
dynamic tools; ``approvals`` types the questions and encodes the answers.
"""
