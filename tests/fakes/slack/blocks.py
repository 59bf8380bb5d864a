"""Block Kit validation: the subset of Slack's checks that catch real adapter bugs.

Errors are worded as Slack words them (`must be less than 3001 characters
[json-pointer:/blocks/0/text/text]`), so a failing test reads like a failing production call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
_MESSAGE_BLOCK_TYPES = frozenset(
    {
        "section", "divider", "header", "context", "actions", "image", "rich_text",
        "file", "video", "markdown", "context_actions", "table",
    }
)  # fmt: skip
_VIEW_BLOCK_TYPES = _MESSAGE_BLOCK_TYPES | {"input"}
_ELEMENT_TYPES = frozenset(
    {
        "button", "static_select", "external_select", "users_select", "conversations_select",
        "channels_select", "multi_static_select", "multi_external_select", "multi_users_select",
        "multi_conversations_select", "multi_channels_select", "overflow", "datepicker",
        "timepicker", "datetimepicker", "checkboxes", "radio_buttons", "workflow_button",
        "image", "plain_text_input", "email_text_input", "number_input", "url_text_input",
        "rich_text_input", "file_input",
    }
)  # fmt: skip
_TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})

Errors = list[str]


def validate_message_blocks(blocks: Any) -> Errors:
    """Return Slack's error strings for the `blocks` of a message (empty when valid)."""
    return _validate_blocks(blocks, "/blocks", MAX_MESSAGE_BLOCKS, _MESSAGE_BLOCK_TYPES)


def validate_view_blocks(blocks: Any) -> Errors:
    """Return Slack's error strings for the `blocks` of a view (empty when valid)."""
    return _validate_blocks(blocks, "/view/blocks", MAX_VIEW_BLOCKS, _VIEW_BLOCK_TYPES)


def _validate_blocks(blocks: Any, pointer: str, limit: int, allowed: frozenset[str]) -> Errors:
    if not isinstance(blocks, list):
        return [_error("must be an array", pointer)]
    if len(blocks) > limit:
        return [_error(f"no more than {limit} items allowed", pointer)]
    errors: Errors = []
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        errors += _validate_block(block, f"{pointer}/{index}", allowed, seen_ids)
    return errors


def _validate_block(block: Any, pointer: str, allowed: frozenset[str], seen: set[str]) -> Errors:
    if not isinstance(block, dict):
        return [_error("must be an object", pointer)]
    block_type = block.get("type")
    if block_type is None:
        return [_error("missing required field: type", pointer)]
    if block_type not in allowed:
        return [_error("must be a valid enum value", f"{pointer}/type")]
    errors = _validate_block_id(block.get("block_id"), pointer, seen)
    return errors + _BLOCK_CHECKS.get(block_type, _no_check)(block, pointer)


def _validate_block_id(block_id: Any, pointer: str, seen: set[str]) -> Errors:
    if block_id is None:
        return []
    if not isinstance(block_id, str) or len(block_id) > 255:
        return [_error("must be less than 256 characters", f"{pointer}/block_id")]
    if block_id in seen:
        return [_error(f"duplicate block_id: {block_id}", f"{pointer}/block_id")]
    seen.add(block_id)
    return []


def _check_section(block: dict[str, Any], pointer: str) -> Errors:
    if "text" not in block and "fields" not in block:
        return [_error("must provide either `text` or `fields`", pointer)]
    errors = _text(block["text"], f"{pointer}/text", 3000) if "text" in block else []
    fields = block.get("fields", [])
    if not isinstance(fields, list) or len(fields) > 10:
        return [*errors, _error("no more than 10 items allowed", f"{pointer}/fields")]
    for index, item in enumerate(fields):
        errors += _text(item, f"{pointer}/fields/{index}", 2000)
    if "accessory" in block:
        errors += _element(block["accessory"], f"{pointer}/accessory")
    return errors


def _check_header(block: dict[str, Any], pointer: str) -> Errors:
    return _text(block.get("text"), f"{pointer}/text", 150, plain_only=True)


def _check_context(block: dict[str, Any], pointer: str) -> Errors:
    elements = block.get("elements")
    if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
        return [_error("must provide 1 to 10 items", f"{pointer}/elements")]
    errors: Errors = []
    for index, element in enumerate(elements):
        if not (isinstance(element, dict) and element.get("type") == "image"):
            errors += _text(element, f"{pointer}/elements/{index}", 3000)
    return errors


def _check_actions(block: dict[str, Any], pointer: str) -> Errors:
    elements = block.get("elements")
    if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
        return [_error("must provide 1 to 25 items", f"{pointer}/elements")]
    errors: Errors = []
    for index, element in enumerate(elements):
        errors += _element(element, f"{pointer}/elements/{index}")
    return errors


def _check_image(block: dict[str, Any], pointer: str) -> Errors:
    if "image_url" not in block and "slack_file" not in block:
        return [_error("must provide either `image_url` or `slack_file`", pointer)]
    if not block.get("alt_text"):
        return [_error("missing required field: alt_text", pointer)]
    return []


def _check_input(block: dict[str, Any], pointer: str) -> Errors:
    errors = _text(block.get("label"), f"{pointer}/label", 2000, plain_only=True)
    if "element" not in block:
        return [*errors, _error("missing required field: element", pointer)]
    return errors + _element(block["element"], f"{pointer}/element")


def _check_markdown(block: dict[str, Any], pointer: str) -> Errors:
    text = block.get("text")
    if not isinstance(text, str) or not text:
        return [_error("missing required field: text", pointer)]
    if len(text) > 12000:
        return [_error("must be less than 12001 characters", f"{pointer}/text")]
    return []


def _no_check(block: dict[str, Any], pointer: str) -> Errors:
    return []


def _element(element: Any, pointer: str) -> Errors:
    if not isinstance(element, dict):
        return [_error("must be an object", pointer)]
    if element.get("type") not in _ELEMENT_TYPES:
        return [_error("must be a valid enum value", f"{pointer}/type")]
    action_id = element.get("action_id", "")
    if not isinstance(action_id, str) or len(action_id) > 255:
        return [_error("must be less than 256 characters", f"{pointer}/action_id")]
    if element["type"] == "button":
        return _text(element.get("text"), f"{pointer}/text", 75, plain_only=True)
    return []


def _text(obj: Any, pointer: str, limit: int, plain_only: bool = False) -> Errors:
    if not isinstance(obj, dict):
        return [_error("must be an object", pointer)]
    allowed = {"plain_text"} if plain_only else _TEXT_TYPES
    if obj.get("type") not in allowed:
        return [_error("must be a valid enum value", f"{pointer}/type")]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [_error("must be more than 0 characters", f"{pointer}/text")]
    if len(text) > limit:
        return [_error(f"must be less than {limit + 1} characters", f"{pointer}/text")]
    return []


def _error(message: str, pointer: str) -> str:
    return f"{message} [json-pointer:{pointer}]"


_BLOCK_CHECKS: dict[str, Callable[[dict[str, Any], str], Errors]] = {
    "section": _check_section,
    "header": _check_header,
    "context": _check_context,
    "actions": _check_actions,
    "image": _check_image,
    "input": _check_input,
    "markdown": _check_markdown,
}
