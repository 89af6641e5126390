"""Sign-in: API key, ChatGPT browser login, device code, the account and logout.

``login`` is the async source (and the login handles); ``login_sync`` gives the blocking
client the same methods.
"""
