"""Modals: the MODAL (9) interaction response, checked as Discord checks it, and its submit.

A bot may answer an APPLICATION_COMMAND or a MESSAGE_COMPONENT with a modal, never a
MODAL_SUBMIT. A modal has a title (at most 45 characters), a custom id (at most 100) and 1 to
5 components: Labels (type 18: text at most 45, description at most 100) around one Text Input
(type 4: custom id, max_length at most 4000, placeholder at most 100), or the older Action
Rows around one. Submitting it sends a MODAL_SUBMIT (type 5) interaction whose data carries
the modal's custom id and each input's value, nested as the modal nested them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import errors, payloads
from .payloads import Payload

ACTION_ROW = 1
TEXT_INPUT = 4
LABEL = 18
TITLE_LIMIT = 45
CUSTOM_ID_LIMIT = 100
LABEL_LIMIT = 45
DESCRIPTION_LIMIT = 100
PLACEHOLDER_LIMIT = 100
TEXT_INPUT_LIMIT = 4000


def check(data: Payload) -> None:
    """Refuse a modal Discord would refuse (50035 naming the field)."""
    _length(data.get("title"), "data.title", 1, TITLE_LIMIT)
    _length(data.get("custom_id"), "data.custom_id", 1, CUSTOM_ID_LIMIT)
    components = data.get("components")
    if not isinstance(components, list) or not 1 <= len(components) <= 5:
        raise errors.bad_length("data.components", 1, 5)
    for index, component in enumerate(components):
        _input_of(component, f"data.components.{index}")


def _input_of(component: Payload, field: str) -> Payload:
    """The text input a top-level modal component holds, checked."""
    if component.get("type") == LABEL:
        _length(component.get("label"), f"{field}.label", 1, LABEL_LIMIT)
        if component.get("description") is not None:
            _length(component["description"], f"{field}.description", 1, DESCRIPTION_LIMIT)
        inner, where = component.get("component") or {}, f"{field}.component"
    elif component.get("type") == ACTION_ROW and len(component.get("components") or []) == 1:
        inner, where = component["components"][0], f"{field}.components.0"
        _length(inner.get("label"), f"{where}.label", 1, LABEL_LIMIT)
    else:
        raise errors.invalid_form_body(f"{field}.type", "UNION_TYPE_CHOICES", "Invalid type.")
    if inner.get("type") != TEXT_INPUT:
        raise errors.invalid_form_body(f"{where}.type", "UNION_TYPE_CHOICES", "Invalid type.")
    _length(inner.get("custom_id"), f"{where}.custom_id", 1, CUSTOM_ID_LIMIT)
    if inner.get("placeholder") is not None:
        _length(inner["placeholder"], f"{where}.placeholder", 0, PLACEHOLDER_LIMIT)
    maximum = inner.get("max_length", TEXT_INPUT_LIMIT)
    if not isinstance(maximum, int) or not 1 <= maximum <= TEXT_INPUT_LIMIT:
        raise errors.invalid_form_body(
            f"{where}.max_length",
            "NUMBER_TYPE_MAX",
            f"int value should be less than or equal to {TEXT_INPUT_LIMIT}.",
        )
    return dict(inner)


def _length(value: Any, field: str, low: int, high: int) -> None:
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise errors.bad_length(field, low, high)


def submitted(modal: Payload, values: Mapping[str, str]) -> Payload:
    """The data of a MODAL_SUBMIT: the modal's custom id and each input's value by custom id."""
    components = []
    for component in modal["components"]:
        inner = component["component"] if component["type"] == LABEL else component["components"][0]
        value = values.get(inner["custom_id"], "")
        if inner.get("required", True) and not value:
            raise ValueError(f"Discord will not submit {inner['custom_id']!r} empty")
        if len(value) > inner.get("max_length", TEXT_INPUT_LIMIT):
            raise ValueError(f"Discord takes at most {inner['max_length']} characters")
        typed = {"type": TEXT_INPUT, "id": inner.get("id", 0), "custom_id": inner["custom_id"]}
        typed["value"] = value
        if component["type"] == LABEL:
            components.append({"type": LABEL, "id": component.get("id", 0), "component": typed})
        else:
            components.append(
                {"type": ACTION_ROW, "id": component.get("id", 0), "components": [typed]}
            )
    return {"custom_id": modal["custom_id"], "components": components}


def submit_interaction(
    source: payloads.InteractionSource,
    opened_by: Payload,
    modal: Payload,
    values: Mapping[str, str],
) -> Payload:
    """A MODAL_SUBMIT (type 5) interaction; a modal opened from a button carries its message."""
    return payloads.modal_submit_interaction(
        source, submitted(modal, values), opened_by.get("message")
    )
