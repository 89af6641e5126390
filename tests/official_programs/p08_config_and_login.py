"""Official style: config overrides as strings, API-key login, account, logout."""

from _setup import CWD, ENV

from openai_codex import Codex, CodexConfig

config = CodexConfig(env=ENV, cwd=CWD, config_overrides=('model="mock-model"',))
with Codex(config=config) as codex:
    print("account before:", codex.account())
    print("login:", codex.login_api_key("sk-test-not-a-real-key"))
    account = codex.account()
    print("account after:", account)
    print("type:", account.account.root.type)
    print("refresh:", codex.account(refresh_token=False).requires_openai_auth)
    print("logout:", codex.logout())
    print("account end:", codex.account())
    thread = codex.thread_start()
    print("model:", thread.read().thread.model_provider)
