"""Notification and UnknownNotification: built from the wire, or as the official SDK builds
them from a payload."""

from __future__ import annotations

from openai_codex.models import Notification, UnknownNotification
from openai_codex.types import AgentMessageDeltaNotification

DELTA = {"threadId": "t", "turnId": "u", "itemId": "i", "delta": "hi"}


def test_from_the_wire_the_payload_is_validated_lazily() -> None:
    note = Notification("item/agentMessage/delta", DELTA)
    assert note.params is DELTA
    assert isinstance(note.payload, AgentMessageDeltaNotification)
    assert note.payload.delta == "hi" and note.turn_id == "u" and note.thread_id == "t"


def test_built_from_a_payload_as_in_the_official_sdk() -> None:
    payload = AgentMessageDeltaNotification.model_validate(DELTA)
    note = Notification("item/agentMessage/delta", payload)
    assert note.payload is payload
    assert note.params == DELTA  # the wire form, derived from the payload
    assert note == Notification("item/agentMessage/delta", DELTA)


def test_unknown_methods_and_mismatched_params_give_an_unknown_payload() -> None:
    unknown = Notification("brand/new", {"x": 1}).payload
    assert isinstance(unknown, UnknownNotification)
    assert unknown.params == {"x": 1} and unknown.method == "brand/new"
    mismatched = Notification("item/agentMessage/delta", {"delta": 3}).payload
    assert isinstance(mismatched, UnknownNotification)


def test_unknown_notification_takes_the_official_and_the_older_arguments() -> None:
    official = UnknownNotification({"a": 1})
    older = UnknownNotification("m", {"a": 1})  # type: ignore[arg-type]
    assert official.params == older.params == {"a": 1}
    assert (official.method, older.method) == (None, "m")
    assert official == older  # a missing method matches any
    assert UnknownNotification({"a": 1}, "m") != UnknownNotification({"a": 1}, "other")
    assert repr(official) == "UnknownNotification(params={'a': 1})"
