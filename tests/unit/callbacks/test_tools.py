"""Unit tests for _callbacks/tools: schemas, decorator forms, invoke and the registry."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime
import enum
import functools
import json
import threading
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import pydantic
import pytest
from typing_extensions import TypedDict

from openai_codex._callbacks.tools import ImageResult, Tool, ToolRegistry, to_content_items, tool

# A real 8x8 PNG (the app-server decodes images; invalid ones are replaced by a note).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000080000000808020000004b6d29dc0000001249444154789c63f8cfc0801561171db4120028ff3fc16eecdf610000000049454e44ae426082"
)
# For the other formats, magic-byte prefixes are enough for sniffing; the rest is filler.
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
GIF = b"GIF89a" + b"\x00" * 16
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8

# The wire shapes, transcribed from `codex app-server generate-json-schema --experimental`
# (0.163.0): FunctionDynamicToolSpec in v2/ThreadStartParams.json and
# DynamicToolCallResponse.json.
SPEC_REQUIRED = {"description", "inputSchema", "name", "type"}
SPEC_ALLOWED = SPEC_REQUIRED | {"deferLoading"}
RESPONSE_REQUIRED = {"contentItems", "success"}
CONTENT_ITEM_SHAPES = {
    "inputText": {"text"},
    "inputImage": {"imageUrl"},
    "inputAudio": {"audioUrl"},
}


def assert_valid_spec(spec: dict[str, Any]) -> None:
    assert SPEC_REQUIRED <= set(spec) <= SPEC_ALLOWED
    assert spec["type"] == "function"
    assert isinstance(spec["name"], str)
    assert isinstance(spec["description"], str)
    assert isinstance(spec["inputSchema"], dict)
    json.dumps(spec)  # must be plain JSON


def assert_valid_response(response: dict[str, object]) -> None:
    assert set(response) == RESPONSE_REQUIRED
    assert isinstance(response["success"], bool)
    items = response["contentItems"]
    assert isinstance(items, list)
    for item in items:
        assert isinstance(item, dict)
        kind = item["type"]
        assert isinstance(kind, str)
        assert set(item) == {"type"} | CONTENT_ITEM_SHAPES[kind]
        for key in CONTENT_ITEM_SHAPES[kind]:
            assert isinstance(item[key], str)
    json.dumps(response)


def run(tool_: Tool[..., Any], arguments: object) -> dict[str, object]:
    response = asyncio.run(tool_.invoke(arguments))
    assert_valid_response(response)
    return response


def texts(response: dict[str, object]) -> list[str]:
    items = response["contentItems"]
    assert isinstance(items, list)
    return [item["text"] for item in items]


def walk_schemas(schema: object) -> list[dict[str, Any]]:
    """All sub-schemas (not property-name maps) of a JSON Schema."""
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        found.append(schema)
        for key, value in schema.items():
            if key in ("properties", "$defs") and isinstance(value, dict):
                for sub in value.values():
                    found.extend(walk_schemas(sub))
            elif key in ("anyOf", "oneOf", "allOf") and isinstance(value, list):
                for sub in value:
                    found.extend(walk_schemas(sub))
            elif key in ("items", "additionalProperties"):
                found.extend(walk_schemas(value))
    return found


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(pydantic.BaseModel):
    street: str
    zip_code: int | None = None


class Point(TypedDict):
    x: int
    y: int


class Report(pydantic.BaseModel):
    title: str
    count: int


@dataclasses.dataclass
class Event:
    name: str
    at: datetime.datetime


# ------------------------------------------------------------------------ schemas


def test_required_parameters_have_no_default_and_optional_ones_keep_their_default() -> None:
    @tool
    def lookup_ticket(ticket_id: str, verbose: bool = False, limit: int = 5) -> str:
        """Return the title and status of a ticket."""
        return ticket_id

    schema = lookup_ticket.input_schema
    assert schema["type"] == "object"
    assert schema["required"] == ["ticket_id"]
    assert schema["properties"]["ticket_id"] == {"type": "string"}
    assert schema["properties"]["verbose"] == {"type": "boolean", "default": False}
    assert schema["properties"]["limit"] == {"type": "integer", "default": 5}
    assert schema["additionalProperties"] is False


def test_a_function_without_parameters_has_an_empty_object_schema() -> None:
    @tool
    def ping() -> str:
        return "pong"

    assert ping.input_schema == {"type": "object", "properties": {}, "additionalProperties": False}


def test_basic_types_map_to_json_schema_types() -> None:
    @tool
    def f(s: str, i: int, x: float, b: bool, tags: list[str], meta: dict[str, int]) -> None:
        pass

    props = f.input_schema["properties"]
    assert props["s"]["type"] == "string"
    assert props["i"]["type"] == "integer"
    assert props["x"]["type"] == "number"
    assert props["b"]["type"] == "boolean"
    assert props["tags"] == {"type": "array", "items": {"type": "string"}}
    assert props["meta"] == {"type": "object", "additionalProperties": {"type": "integer"}}


def test_optional_parameters_allow_null() -> None:
    @tool
    def f(note: Optional[str] = None, other: int | None = None) -> None:  # noqa: UP045
        pass

    props = f.input_schema["properties"]
    assert props["note"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert props["other"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert "required" not in f.input_schema


def test_literal_parameters_become_an_enum() -> None:
    @tool
    def f(mode: Literal["fast", "slow"] = "fast") -> None:
        pass

    assert f.input_schema["properties"]["mode"] == {
        "type": "string",
        "enum": ["fast", "slow"],
        "default": "fast",
    }


def test_enum_parameters_are_described_under_defs() -> None:
    @tool
    def paint(color: Color) -> None:
        pass

    schema = paint.input_schema
    assert schema["properties"]["color"] == {"$ref": "#/$defs/Color"}
    assert schema["$defs"]["Color"] == {"type": "string", "enum": ["red", "blue"]}


def test_nested_pydantic_models_are_described_under_defs() -> None:
    @tool
    def ship(address: Address, copies: int = 1) -> None:
        pass

    schema = ship.input_schema
    assert schema["properties"]["address"] == {"$ref": "#/$defs/Address"}
    address = schema["$defs"]["Address"]
    assert address["type"] == "object"
    assert address["required"] == ["street"]
    assert set(address["properties"]) == {"street", "zip_code"}


def test_typed_dict_parameters_are_supported() -> None:
    @tool
    def move(to: Point) -> None:
        pass

    point = move.input_schema["$defs"]["Point"]
    assert point["properties"] == {"x": {"type": "integer"}, "y": {"type": "integer"}}
    assert point["required"] == ["x", "y"]


def test_annotated_field_descriptions_and_constraints_reach_the_schema() -> None:
    @tool
    def f(
        query: Annotated[str, pydantic.Field(description="What to look for")],
        limit: Annotated[int, pydantic.Field(description="How many", ge=1)] = 5,
    ) -> None:
        pass

    props = f.input_schema["properties"]
    assert props["query"] == {"type": "string", "description": "What to look for"}
    assert props["limit"]["description"] == "How many"
    assert props["limit"]["minimum"] == 1
    assert f.input_schema["required"] == ["query"]


def test_a_parameter_without_annotation_accepts_anything() -> None:
    @tool
    def f(anything, other=3):  # type: ignore[no-untyped-def]
        return anything

    schema = f.input_schema
    assert schema["properties"]["anything"] == {}
    assert schema["properties"]["other"] == {"default": 3}
    assert schema["required"] == ["anything"]


def test_pydantic_titles_are_stripped_but_a_property_called_title_survives() -> None:
    @tool
    def f(title: str, address: Address, color: Color = Color.RED) -> None:
        pass

    schema = f.input_schema
    assert "title" in schema["properties"]
    for sub in walk_schemas(schema):
        assert "title" not in sub or not isinstance(sub["title"], str)


def test_types_local_to_the_defining_function_resolve_under_postponed_annotations() -> None:
    # This module uses `from __future__ import annotations`, so annotations are strings.
    class Local(pydantic.BaseModel):
        value: int

    @tool
    def bare(item: Local) -> int:
        return item.value

    @tool(name="with_options")
    def options(item: Local) -> int:
        return item.value

    def plain(item: Local) -> int:
        return item.value

    for t in (bare, options, tool(plain), Tool(plain)):
        assert t.input_schema["properties"]["item"] == {"$ref": "#/$defs/Local"}
        assert texts(run(t, {"item": {"value": 4}})) == ["4"]


def test_parameter_names_that_clash_with_basemodel_attributes_work() -> None:
    @tool
    def f(json: int, model_config: str = "x", copy: bool = False) -> str:
        return f"{json} {model_config} {copy}"

    assert set(f.input_schema["properties"]) == {"json", "model_config", "copy"}
    assert texts(run(f, {"json": 2, "model_config": "y"})) == ["2 y False"]


def test_types_pydantic_cannot_describe_fail_at_first_use_not_at_decoration() -> None:
    class Opaque:
        pass

    @tool
    def f(thing: Opaque) -> None:
        pass

    with pytest.raises(TypeError, match="cannot build an input schema"):
        f.spec()
    response = run(f, {"thing": 1})
    assert response["success"] is False


# ------------------------------------------------------------------ decorator forms


def test_bare_decorator_uses_the_function_name_and_docstring() -> None:
    @tool
    def lookup_ticket(ticket_id: str) -> str:
        """Return the title and status of a ticket.

        Args:
            ticket_id: The id.
        """
        return ticket_id

    assert isinstance(lookup_ticket, Tool)
    assert lookup_ticket.name == "lookup_ticket"
    assert lookup_ticket.description == (
        "Return the title and status of a ticket.\n\nArgs:\n    ticket_id: The id."
    )


def test_decorator_with_options_overrides_name_and_description() -> None:
    @tool(name="search", description="Search the docs")
    async def search_docs(query: str, limit: int = 5) -> list[str]:
        return [query] * limit

    assert search_docs.name == "search"
    assert search_docs.description == "Search the docs"
    assert search_docs.is_async


def test_decorator_with_empty_parentheses_works() -> None:
    @tool()
    def f() -> None:
        pass

    assert f.name == "f"


def test_call_form_wraps_an_existing_function() -> None:
    def some_fn(x: int) -> int:
        return x

    t = tool(some_fn, name="x", description="Return x")
    assert (t.name, t.description) == ("x", "Return x")
    assert t.fn is some_fn


def test_a_function_without_docstring_gets_a_fallback_description() -> None:
    @tool
    def nodoc() -> None:
        pass

    assert nodoc.description == "Call nodoc."


def test_invalid_tool_names_raise_value_error() -> None:
    def f() -> None:
        pass

    for bad in ("has space", "dot.ted", "", "a" * 65, "mcp__reserved", "ünïcode"):
        with pytest.raises(ValueError, match="tool name"):
            tool(f, name=bad)
    with pytest.raises(ValueError, match="pass name="):
        tool(lambda: None)
    assert tool(f, name="a" * 64).name == "a" * 64
    assert tool(f, name="with-dash_and_123").name == "with-dash_and_123"


def test_star_args_star_kwargs_and_positional_only_parameters_raise_type_error() -> None:
    def star(*items: int) -> None:
        pass

    def kw(**options: int) -> None:
        pass

    def posonly(a: int, /) -> None:
        pass

    with pytest.raises(TypeError, match=r"\*items"):
        tool(star)
    with pytest.raises(TypeError, match=r"\*\*options"):
        tool(kw)
    with pytest.raises(TypeError, match="positional-only"):
        tool(posonly)


def test_keyword_only_parameters_are_supported() -> None:
    @tool
    def f(*, a: int, b: int = 2) -> int:
        return a + b

    assert f.input_schema["required"] == ["a"]
    assert texts(run(f, {"a": 1})) == ["3"]


def test_bound_methods_and_partials_can_become_tools() -> None:
    class Counter:
        def __init__(self) -> None:
            self.total = 0

        def add(self, n: int) -> int:
            """Add n."""
            self.total += n
            return self.total

    counter = Counter()
    add = tool(counter.add)
    assert add.name == "add"
    assert list(add.input_schema["properties"]) == ["n"]
    assert texts(run(add, {"n": 2})) == ["2"]

    def greet(greeting: str, name: str) -> str:
        return f"{greeting}, {name}"

    hello = tool(functools.partial(greet, "Hello"), name="hello")
    assert list(hello.input_schema["properties"]) == ["name"]
    assert texts(run(hello, {"name": "Ada"})) == ["Hello, Ada"]


def test_decorating_a_tool_again_returns_it_or_renames_it() -> None:
    @tool
    def f() -> None:
        pass

    assert tool(f) is f
    renamed = tool(f, name="g")
    assert renamed.name == "g"
    assert renamed.fn is f.fn


def test_calling_the_tool_calls_the_original_function_unchanged() -> None:
    @tool
    def add(a: int, b: int = 1) -> int:
        """Add."""
        return a + b

    @tool
    async def aadd(a: int, b: int) -> int:
        return a + b

    assert add(2, 3) == 5
    assert add(a=2) == 3
    assert asyncio.run(aadd(1, 2)) == 3
    assert add.__name__ == "add"
    assert add.__doc__ == "Add."
    assert add.__wrapped__ is add.fn


def test_decoration_is_cheap_and_builds_the_schema_lazily() -> None:
    import time

    def make(i: int) -> Any:
        def fn(a: int, b: str = "x", c: list[int] | None = None) -> str:
            return b

        fn.__name__ = f"tool_{i}"
        return fn

    functions = [make(i) for i in range(50)]
    start = time.perf_counter()
    tools = [tool(fn) for fn in functions]
    elapsed = time.perf_counter() - start
    assert elapsed < 0.05
    assert all(t._args is None for t in tools)
    tools[0].spec()
    assert tools[0]._args is not None


def test_spec_has_the_dynamic_tool_spec_wire_shape() -> None:
    @tool(description="Search the docs")
    async def search(query: str, limit: int = 5) -> list[str]:
        return []

    spec = search.spec()
    assert_valid_spec(spec)
    assert spec == {
        "type": "function",
        "name": "search",
        "description": "Search the docs",
        "inputSchema": {
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "limit": {"type": "integer", "default": 5},
            },
            "required": ["query"],
            "additionalProperties": False,
        },
    }
    spec["inputSchema"]["properties"].clear()
    assert search.input_schema["properties"], "spec() must return a copy"


# ------------------------------------------------------------------------- invoke


def test_invoke_runs_a_sync_function_in_a_worker_thread_without_blocking_the_loop() -> None:
    seen: dict[str, int] = {}
    release = threading.Event()

    @tool
    def wait_for_release() -> str:
        seen["tool"] = threading.get_ident()
        # Only a running event loop can set this: proves the loop is not blocked.
        assert release.wait(timeout=5)
        return "released"

    async def main() -> dict[str, object]:
        seen["loop"] = threading.get_ident()
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, release.set)
        return await wait_for_release.invoke({})

    response = asyncio.run(main())
    assert response == {
        "success": True,
        "contentItems": [{"type": "inputText", "text": "released"}],
    }
    assert seen["tool"] != seen["loop"]


def test_invoke_awaits_an_async_function_on_the_loop_thread() -> None:
    seen: dict[str, int] = {}

    @tool
    async def fetch(key: str) -> str:
        seen["tool"] = threading.get_ident()
        await asyncio.sleep(0)
        return key.upper()

    async def main() -> dict[str, object]:
        seen["loop"] = threading.get_ident()
        return await fetch.invoke({"key": "abc"})

    response = asyncio.run(main())
    assert texts(response) == ["ABC"]
    assert seen["tool"] == seen["loop"]


def test_invoke_accepts_json_string_none_and_empty_arguments() -> None:
    @tool
    def f(a: int = 1, b: str = "x") -> str:
        return f"{a}{b}"

    assert texts(run(f, '{"a": 7, "b": "y"}')) == ["7y"]
    assert texts(run(f, None)) == ["1x"]
    assert texts(run(f, "")) == ["1x"]
    assert texts(run(f, {})) == ["1x"]


def test_invoke_rejects_malformed_json_and_non_object_arguments() -> None:
    @tool
    def f(a: int = 1) -> int:
        return a

    bad_json = run(f, "{not json")
    assert bad_json["success"] is False
    assert "not valid JSON" in texts(bad_json)[0]
    not_object = run(f, "[1, 2]")
    assert not_object["success"] is False
    assert "expected a JSON object" in texts(not_object)[0]


def test_omitted_optional_arguments_use_the_functions_own_default_object() -> None:
    sentinel = object()
    received: list[object] = []

    @tool
    def f(a: Any = sentinel) -> None:
        received.append(a)

    run(f, {})
    assert received == [sentinel]
    assert received[0] is sentinel


def test_arguments_are_validated_and_coerced_by_pydantic() -> None:
    @tool
    def ship(address: Address, color: Color, mode: Literal["a", "b"] = "a") -> str:
        assert isinstance(address, Address)
        assert isinstance(color, Color)
        return f"{address.street} {color.value} {mode}"

    response = run(ship, {"address": {"street": "Main"}, "color": "blue", "mode": "b"})
    assert texts(response) == ["Main blue b"]


def test_missing_and_wrongly_typed_arguments_fail_without_calling_the_function() -> None:
    calls: list[object] = []

    @tool
    def lookup_ticket(ticket_id: str, count: int, verbose: bool = False) -> str:
        calls.append(ticket_id)
        return ticket_id

    response = run(lookup_ticket, {"count": "many", "verbose": "perhaps"})
    assert response["success"] is False
    message = texts(response)[0]
    assert "lookup_ticket" in message
    assert "ticket_id: Field required" in message
    assert "count:" in message and "'many'" in message
    assert "verbose:" in message
    assert calls == []


def test_unknown_arguments_are_rejected_by_name() -> None:
    @tool
    def f(a: int) -> int:
        return a

    response = run(f, {"a": 1, "surprise": 2})
    assert response["success"] is False
    assert "surprise: Extra inputs are not permitted" in texts(response)[0]


def test_an_exception_in_the_function_becomes_a_failed_result() -> None:
    @tool
    def broken() -> str:
        raise ValueError("boom")

    @tool
    async def abroken() -> str:
        raise KeyError("missing")

    @tool
    def silent() -> str:
        raise RuntimeError

    assert run(broken, {}) == {
        "success": False,
        "contentItems": [{"type": "inputText", "text": "ValueError: boom"}],
    }
    assert texts(run(abroken, {})) == ["KeyError: 'missing'"]
    assert texts(run(silent, {})) == ["RuntimeError"]


def test_cancellation_is_not_swallowed() -> None:
    @tool
    async def slow() -> str:
        await asyncio.sleep(10)
        return "late"

    async def main() -> None:
        task = asyncio.ensure_future(slow.invoke({}))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


# ------------------------------------------------------------------------ results


def result_of(value: object) -> dict[str, object]:
    @tool
    def produce() -> object:
        return value

    response = run(produce, {})
    assert response["success"] is True
    return response


def test_a_str_result_is_one_text_item_even_if_it_looks_like_an_image_url() -> None:
    assert result_of("hello")["contentItems"] == [{"type": "inputText", "text": "hello"}]
    url = "https://example.com/cat.png"
    assert result_of(url)["contentItems"] == [{"type": "inputText", "text": url}]


def test_png_bytes_become_an_image_data_url() -> None:
    items = result_of(PNG)["contentItems"]
    expected = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert items == [{"type": "inputImage", "imageUrl": expected}]


def test_image_formats_are_sniffed_from_magic_bytes() -> None:
    for data, mime in ((JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")):
        (item,) = to_content_items(data)
        assert item["type"] == "inputImage"
        assert str(item["imageUrl"]).startswith(f"data:{mime};base64,")


def test_non_image_bytes_become_text() -> None:
    assert to_content_items(b"plain text") == [{"type": "inputText", "text": "plain text"}]
    assert to_content_items(b"\xff\xfe\x00") == [
        {"type": "inputText", "text": "<3 bytes of binary data>"}
    ]


def test_a_path_to_an_image_file_becomes_an_image(tmp_path: Path) -> None:
    image = tmp_path / "shot.PNG"
    image.write_bytes(PNG)
    assert result_of(image)["contentItems"] == [
        {
            "type": "inputImage",
            "imageUrl": "data:image/png;base64," + base64.b64encode(PNG).decode(),
        }
    ]


def test_other_paths_are_text(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hi")
    missing = tmp_path / "missing.png"
    assert texts(result_of(notes)) == [str(notes)]
    assert texts(result_of(missing)) == [str(missing)]


def test_image_result_accepts_urls_paths_and_bytes(tmp_path: Path) -> None:
    image = tmp_path / "photo.jpg"
    image.write_bytes(JPEG)
    url = "https://example.com/cat.png"
    assert ImageResult(url).to_content_item() == {"type": "inputImage", "imageUrl": url}
    data_url = "data:image/png;base64,AAAA"
    assert ImageResult(data_url).to_url() == data_url
    assert ImageResult(str(image)).to_url().startswith("data:image/jpeg;base64,")
    assert ImageResult(image).to_url().startswith("data:image/jpeg;base64,")
    assert ImageResult(bytearray(GIF)).to_url().startswith("data:image/gif;base64,")
    assert ImageResult(b"raw", mime_type="image/bmp").to_url() == "data:image/bmp;base64,cmF3"
    response = result_of(ImageResult(url))
    assert response["contentItems"] == [{"type": "inputImage", "imageUrl": url}]


def test_image_result_refuses_bytes_of_unknown_format() -> None:
    with pytest.raises(ValueError, match="mime_type"):
        ImageResult(b"not an image")


def test_an_unreadable_image_result_fails_the_call_instead_of_raising(tmp_path: Path) -> None:
    @tool
    async def show() -> ImageResult:
        return ImageResult(tmp_path / "gone.png")

    response = run(show, {})
    assert response["success"] is False
    assert texts(response)[0].startswith("FileNotFoundError:")


def test_a_list_of_content_parts_becomes_several_items() -> None:
    items = result_of(["caption", PNG, ImageResult("https://x.test/a.gif"), {"k": 1}])[
        "contentItems"
    ]
    assert isinstance(items, list)
    assert [item["type"] for item in items] == [
        "inputText",
        "inputImage",
        "inputImage",
        "inputText",
    ]
    assert items[3]["text"] == '{"k": 1}'
    assert texts(result_of(("a", "b"))) == ["a", "b"]


def test_a_list_without_content_parts_is_json_encoded_as_a_whole() -> None:
    assert texts(result_of([1, 2, 3])) == ["[1, 2, 3]"]
    assert texts(result_of([{"a": 1}])) == ['[{"a": 1}]']
    assert texts(result_of([])) == ["[]"]


def test_dicts_numbers_and_bools_are_json_encoded() -> None:
    assert texts(result_of({"status": "open", "n": 2, "ok": True})) == [
        '{"status": "open", "n": 2, "ok": true}'
    ]
    assert texts(result_of(42)) == ["42"]
    assert texts(result_of(False)) == ["false"]
    assert texts(result_of({"name": "café"})) == ['{"name": "café"}']


def test_pydantic_models_dataclasses_and_datetimes_are_json_encoded() -> None:
    assert json.loads(texts(result_of(Report(title="t", count=2)))[0]) == {
        "title": "t",
        "count": 2,
    }
    event = Event("launch", datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc))
    assert json.loads(texts(result_of(event))[0]) == {
        "name": "launch",
        "at": "2024-05-01T12:00:00Z",
    }


def test_objects_pydantic_cannot_encode_fall_back_to_str() -> None:
    class Thing:
        def __str__(self) -> str:
            return "a thing"

    assert texts(result_of({"thing": Thing()})) == ['{"thing": "a thing"}']


def test_none_becomes_an_empty_text_item() -> None:
    assert result_of(None)["contentItems"] == [{"type": "inputText", "text": ""}]


# ----------------------------------------------------------------------- registry


def lookup(ticket_id: str) -> str:
    """Look up a ticket."""
    return f"ticket {ticket_id}"


@tool(name="search")
async def search_docs(query: str) -> list[str]:
    """Search the docs."""
    return [f"hit for {query}"]


def test_registry_wraps_plain_callables_and_lists_specs() -> None:
    registry = ToolRegistry([lookup, search_docs])
    assert len(registry) == 2
    assert "lookup" in registry and "search" in registry and "nope" not in registry
    assert registry.names == ["lookup", "search"]
    specs = registry.specs()
    assert [s["name"] for s in specs] == ["lookup", "search"]
    for spec in specs:
        assert_valid_spec(spec)
    assert registry.get("search") is search_docs
    assert [t.name for t in registry] == ["lookup", "search"]


def test_registry_rejects_duplicate_names() -> None:
    with pytest.raises(ValueError, match="duplicate tool name 'lookup'"):
        ToolRegistry([lookup, tool(lookup)])
    registry = ToolRegistry([lookup])
    with pytest.raises(ValueError, match="duplicate"):
        registry.add(lookup)


def test_registry_dispatches_to_the_named_tool() -> None:
    registry = ToolRegistry([lookup, search_docs])
    response = asyncio.run(registry.dispatch("lookup", {"ticket_id": "42"}))
    assert response == {
        "success": True,
        "contentItems": [{"type": "inputText", "text": "ticket 42"}],
    }
    response = asyncio.run(registry.dispatch("search", '{"query": "q"}'))
    assert texts(response) == ["hit for q"]


def test_registry_answers_an_unknown_tool_with_the_list_of_known_tools() -> None:
    registry = ToolRegistry([lookup, search_docs])
    response = asyncio.run(registry.dispatch("delete_everything", {}))
    assert_valid_response(response)
    assert response["success"] is False
    message = texts(response)[0]
    assert "delete_everything" in message
    assert "lookup, search" in message
    empty = asyncio.run(ToolRegistry().dispatch("x", None))
    assert "(none)" in texts(empty)[0]
