"""Sign-in with the blocking client: inspect the account, start and cancel a ChatGPT login.

Run against your own Codex (it does not change your sign-in unless you pass ``--sign-in``,
which opens the browser and waits up to five minutes for you)::

    python examples/15_login_and_account/sync.py
    python examples/15_login_and_account/sync.py --sign-in

or fully offline, where a mock issuer plays the sign-in page and the browser::

    OPENAI_CODEX_EXAMPLES_OFFLINE=1 python examples/15_login_and_account/sync.py
"""

from __future__ import annotations

import sys
import webbrowser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _offline import offline_kit, open_codex

from openai_codex import Codex


def show_account(codex: Codex) -> None:
    """Print who is signed in."""
    info = codex.account()
    account = info.account
    if account is None:
        print(f"account: signed out (requires OpenAI auth: {info.requires_openai_auth})")
    elif account.type == "chatgpt":
        print(f"account: ChatGPT {account.email} (plan {account.plan_type.value})")
    else:
        print(f"account: {account.type}")


def main() -> None:
    kit_options = {"email": "dev@example.com", "plan": "plus"}
    with open_codex(requires_openai_auth=True, issuer=kit_options) as codex:
        kit = offline_kit()
        show_account(codex)

        # 1. A login is a handle: start it, show the URL, cancel it, read its outcome.
        login = codex.login_chatgpt()
        print(f"started {login}")
        print(f"open in a browser: {login.auth_url[:60]}...")
        print(f"cancel: {login.cancel().status.value}")
        done = login.wait(timeout=30)
        print(f"completed: success={done.success} error={done.error!r}")

        # 2. Sign in for real: the user opens auth_url and the handle reports the outcome.
        if kit is None and "--sign-in" not in sys.argv:
            print("pass --sign-in to sign in through your browser")
            return
        login = codex.login_chatgpt()
        if kit is not None and kit.issuer is not None:
            kit.issuer.complete_browser_login(login.auth_url)  # the mock plays the browser
        else:
            webbrowser.open(login.auth_url)
            print(f"waiting for the browser sign-in ({login.auth_url})")
        done = login.wait(timeout=300)
        print(f"completed: success={done.success} error={done.error!r}")
        show_account(codex)

        if kit is not None:  # offline only: never sign a real user out
            codex.logout()
            show_account(codex)


if __name__ == "__main__":
    main()
