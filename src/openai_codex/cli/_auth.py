"""``codex-sdk login``, ``account`` and ``logout``."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
import time
import webbrowser
from typing import TYPE_CHECKING, Any

from .. import ChatgptLoginHandle, CodexError, CodexTimeoutError, DeviceCodeLoginHandle
from ._common import Session, dump_json, open_session
from ._errors import EXIT_INTERRUPTED, EXIT_USAGE, CliError
from ._spinner import Spinner

if TYPE_CHECKING:
    from typing import TypeAlias

    from ..types import AccountLoginCompletedNotification, GetAccountResponse

    LoginHandle: TypeAlias = ChatgptLoginHandle | DeviceCodeLoginHandle

__all__ = ["add_parsers", "cmd_account", "cmd_login", "cmd_logout", "describe_account"]

_TICK = 0.1


def describe_account(response: GetAccountResponse) -> str:
    """One line saying who is signed in."""
    account = response.account
    if account is None:
        if not response.requires_openai_auth:
            return "signed out (the configured model provider needs no OpenAI sign-in)"
        return "signed out"
    if account.type == "apiKey":
        return "signed in with an API key"
    if account.type == "chatgpt":
        plan = getattr(account.plan_type, "value", account.plan_type)
        return f"signed in with ChatGPT as {account.email or '(no email)'} (plan {plan})"
    return f"signed in ({account.type})"


def _read_api_key() -> str:
    if sys.stdin.isatty():
        key = getpass.getpass("OpenAI API key (not echoed): ")
    else:
        key = sys.stdin.read()
    key = key.strip()
    if not key:
        raise CliError("no API key on stdin", exit_code=EXIT_USAGE)
    return key


def _wait(handle: LoginHandle, timeout: float | None) -> AccountLoginCompletedNotification:
    """Wait for the login, drawing the spinner; Ctrl-C propagates to the caller."""
    deadline = None if timeout is None else time.monotonic() + timeout
    with Spinner("waiting for you to sign in (Ctrl-C cancels)") as spinner:
        while True:
            try:
                return handle.wait(timeout=_TICK)
            except CodexTimeoutError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise CliError(f"no sign-in within {timeout:g} s; login canceled") from None
                spinner.tick()


def _announce(session: Session, handle: LoginHandle, args: argparse.Namespace) -> None:
    """Tell the user what to open (offline: let the mock issuer play the browser)."""
    if isinstance(handle, DeviceCodeLoginHandle):
        print(f"Go to {handle.verification_url}")
        print(f"and enter the code {handle.user_code}", flush=True)
        return
    print("Sign in with ChatGPT in your browser:")
    print(f"  {handle.auth_url}", flush=True)
    if session.kit is not None:
        print("(offline: the mock issuer plays the browser)", flush=True)
        session.kit.play_browser(handle.auth_url)
    elif not args.no_open and _has_graphical_browser():
        webbrowser.open(handle.auth_url)


def _has_graphical_browser() -> bool:
    """Whether opening a URL can show a browser window.

    On a Linux/BSD machine without a display, :mod:`webbrowser` would start a text browser
    (lynx, w3m) in this terminal; the printed URL serves better there.
    """
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_login(args: argparse.Namespace) -> int:
    """Sign in with an API key (stdin), the browser, or a device code."""
    api_key = _read_api_key() if args.api_key_stdin else None
    with open_session(args, browser_login=args.browser) as session:
        codex = session.codex
        if api_key is not None:
            codex.login_api_key(api_key)
            print(describe_account(codex.account()))
            return 0
        handle: LoginHandle = (
            codex.login_chatgpt() if args.browser else codex.login_chatgpt_device_code()
        )
        try:
            _announce(session, handle, args)
            done = _wait(handle, args.timeout)
        except KeyboardInterrupt:
            _cancel(handle)
            print("codex-sdk: login canceled", file=sys.stderr)
            return EXIT_INTERRUPTED
        except CliError:
            _cancel(handle)
            raise
        if not done.success:
            raise CliError(f"login failed: {done.error or 'no reason given'}")
        print(describe_account(codex.account()))
    return 0


def _cancel(handle: LoginHandle) -> None:
    # When the server is gone, or the user presses Ctrl-C again, closing the client ends
    # the login anyway.
    with contextlib.suppress(CodexError, KeyboardInterrupt):
        handle.cancel()


def cmd_account(args: argparse.Namespace) -> int:
    """Print the signed-in account."""
    with open_session(args) as session:
        response = session.codex.account(refresh_token=args.refresh)
    if args.json:
        dump_json(response)
    else:
        print(describe_account(response))
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    """Sign out."""
    with open_session(args) as session:
        session.codex.logout()
    print("signed out")
    return 0


def add_parsers(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``login``, ``account`` and ``logout``."""
    login = sub.add_parser(
        "login",
        parents=parents,
        help="sign in with an API key, ChatGPT in the browser, or a device code",
        description="Sign Codex in. The credentials are stored by the app-server in its "
        "CODEX_HOME. A browser or device-code login prints what to open and waits; "
        "Ctrl-C cancels it (exit 130).",
    )
    how = login.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--api-key-stdin",
        action="store_true",
        help="read an OpenAI API key from stdin (prompted without echo on a terminal)",
    )
    how.add_argument("--browser", action="store_true", help="sign in with ChatGPT in a browser")
    how.add_argument(
        "--device-code",
        action="store_true",
        help="sign in with ChatGPT on any device, entering a one-time code",
    )
    login.add_argument(
        "--no-open",
        action="store_true",
        help="with --browser: only print the URL (by default it is also opened in your "
        "browser when there is a display)",
    )
    login.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="give up (and cancel the login) after this long (default: wait until Ctrl-C)",
    )
    login.set_defaults(handler=cmd_login)

    account = sub.add_parser(
        "account",
        parents=parents,
        help="show who is signed in",
        description="Show who is signed in (account/read).",
    )
    account.add_argument("--json", action="store_true", help="print the raw answer as JSON")
    account.add_argument(
        "--refresh", action="store_true", help="refresh the ChatGPT tokens before reading"
    )
    account.set_defaults(handler=cmd_account)

    logout = sub.add_parser(
        "logout",
        parents=parents,
        help="sign out and forget the stored credentials",
        description="Sign out: the app-server forgets the stored credentials and revokes "
        "ChatGPT tokens.",
    )
    logout.set_defaults(handler=cmd_logout)
