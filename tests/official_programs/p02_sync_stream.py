"""Official style, sync: stream a turn's events, steer it, interrupt another one."""

import time

from _setup import CWD, ENV

from openai_codex import Codex, CodexConfig
from openai_codex.models import Notification
from openai_codex.types import TurnStatus

with Codex(config=CodexConfig(env=ENV, cwd=CWD)) as codex:
    thread = codex.thread_start()
    handle = thread.turn("Tell me a story")
    print("handle:", type(handle).__name__, handle.thread_id == thread.id)
    methods = []
    text = []
    for event in handle.stream():
        assert isinstance(event, Notification)
        methods.append((event.method, type(event.payload).__name__))
        if event.method == "item/agentMessage/delta":
            text.append(event.payload.delta)
        if event.method == "item/completed":
            print("completed item:", event.payload.item.root.type)
    for method in methods:
        print(method)
    print("text:", "".join(text))

    slow = thread.turn("Count slowly")
    for event in slow.stream():
        if event.method == "item/agentMessage/delta":
            print("steer:", type(slow.steer("faster please")).__name__)
            break
    interrupted = slow.interrupt()
    print("interrupt:", type(interrupted).__name__)
    for _ in range(100):  # the interrupted turn is recorded as such a moment later
        last = thread.read(include_turns=True).thread.turns[-1]
        if last.status != TurnStatus.in_progress:
            break
        time.sleep(0.05)
    print("final status:", last.status, last.status == TurnStatus.interrupted)
