"""Modals: trigger ids, `views.open`, `view_submission` payloads and what an ack does to them.

Slack issues a `trigger_id` with every slash command and click. `views.open` exchanges it,
once, within 3 seconds, for a modal shown to the person who clicked: an unknown id answers
`invalid_trigger_id`, a late one `expired_trigger_id`, a second use `exchanged_trigger_id`.
Submitting the modal sends a `view_submission` (with a fresh trigger id) that the app must ack
within 3 seconds: an empty ack closes the modal, `response_action: errors` keeps it open
with an error under each named input block, `update` replaces it, `clear` closes them all.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .blocks import validate_view_blocks
from .ids import AppIdentity, new_id, new_secret, new_trigger_id

JsonDict = dict[str, Any]

TRIGGER_LIFETIME = 3.0  # seconds a trigger id may be exchanged for a modal
TITLE_LIMIT = 24  # a modal's title, submit and close texts
METADATA_LIMIT = 3000  # private_metadata
TEXT_INPUT_LIMIT = 3000  # a plain_text_input's max_length, and what it takes
RESPONSE_ACTIONS = frozenset({"errors", "update", "push", "clear"})


class TriggerRefused(Exception):
    """`views.open` refuses the trigger id: `code` is Slack's error."""

    def __init__(self, code: str) -> None:
        super().__init__(f"The fake Slack answered {code!r}.")
        self.code = code


@dataclass
class Trigger:
    user_id: str
    issued_at: float
    exchanged: bool = False


@dataclass
class OpenModal:
    """A modal someone sees now: the view as Slack stores it, and the errors under its inputs."""

    user_id: str
    view: JsonDict
    errors: dict[str, str] = field(default_factory=dict)


class Modals:
    """Trigger ids issued and the modals open, per person; `clock` counts seconds."""

    def __init__(self, identity: AppIdentity, clock: Callable[[], float] = time.monotonic) -> None:
        self.identity = identity
        self.clock = clock
        self.triggers: dict[str, Trigger] = {}
        self.open: dict[str, OpenModal] = {}
        self.closed: list[OpenModal] = []

    def issue(self, trigger_id: str, user_id: str) -> None:
        """Remember a trigger id Slack sent along with a person's command or click."""
        self.triggers[trigger_id] = Trigger(user_id, self.clock())

    def exchange(self, trigger_id: str) -> str:
        """Take a trigger id for a modal; return whose it is, or raise Slack's error."""
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            raise TriggerRefused("invalid_trigger_id")
        if trigger.exchanged:
            raise TriggerRefused("exchanged_trigger_id")
        if self.clock() - trigger.issued_at > TRIGGER_LIFETIME:
            raise TriggerRefused("expired_trigger_id")
        trigger.exchanged = True
        return trigger.user_id

    def show(self, trigger_id: str, view: JsonDict) -> JsonDict:
        """Open a (valid) modal for the person whose trigger id it is; return it as stored."""
        user_id = self.exchange(trigger_id)
        stored = self._stored(view)
        self.open[stored["id"]] = OpenModal(user_id, stored)
        return copy.deepcopy(stored)

    def _stored(self, view: JsonDict, view_id: str | None = None) -> JsonDict:
        view_id = view_id or new_id("V")
        return {
            "id": view_id,
            "team_id": self.identity.team_id,
            "type": "modal",
            "title": view["title"],
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": copy.deepcopy(view["blocks"]),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{new_secret(8)}",
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": self.identity.api_app_id,
            "external_id": view.get("external_id", ""),
            "bot_id": self.identity.bot_id,
        }

    def submission(self, view_id: str, values: Mapping[str, str | None]) -> JsonDict:
        """The `view_submission` of an open modal, its inputs filled by action id."""
        modal = self.open[view_id]
        errors = _input_errors(modal.view, values)
        if errors:
            raise ValueError(f"Slack would not let this be submitted: {errors}")
        view = copy.deepcopy(modal.view)
        view["state"] = {"values": _state(view, values)}
        user = {"id": modal.user_id, "username": modal.user_id, "team_id": self.identity.team_id}
        trigger_id = new_trigger_id()
        self.issue(trigger_id, modal.user_id)
        return {
            "type": "view_submission",
            "team": {"id": self.identity.team_id, "domain": self.identity.team_domain},
            "user": {**user, "name": user["username"]},
            "api_app_id": self.identity.api_app_id,
            "token": self.identity.verification_token,
            "trigger_id": trigger_id,
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def acknowledged(self, view_id: str, ack: JsonDict | None) -> OpenModal | None:
        """Apply the app's ack of a submission; return the modal still open, if any."""
        modal = self.open[view_id]
        action = (ack or {}).get("response_action")
        if action is None:
            self.closed.append(self.open.pop(view_id))
            return None
        if action not in RESPONSE_ACTIONS:
            raise ValueError(f"Slack shows 'We had some trouble connecting' for {action!r}")
        if action == "clear":
            self.closed += [m for m in self.open.values() if m.user_id == modal.user_id]
            self.open = {k: m for k, m in self.open.items() if m.user_id != modal.user_id}
            return None
        if action == "errors":
            return self._with_errors(modal, (ack or {}).get("errors") or {})
        return self._updated(modal, (ack or {}).get("view"))

    def _with_errors(self, modal: OpenModal, errors: Mapping[str, str]) -> OpenModal:
        inputs = {b.get("block_id") for b in modal.view["blocks"] if b.get("type") == "input"}
        unknown = set(errors) - inputs
        if unknown or not errors:
            raise ValueError(f"Slack shows 'We had some trouble connecting': errors for {unknown}")
        modal.errors = dict(errors)
        return modal

    def _updated(self, modal: OpenModal, view: object) -> OpenModal:
        errors = validate_modal(view)
        if errors:
            raise ValueError(f"Slack shows 'We had some trouble connecting': {errors}")
        assert isinstance(view, dict)
        modal.view = self._stored(view, modal.view["id"])
        modal.errors = {}
        return modal


def validate_modal(view: object) -> list[str]:
    """Slack's errors for a modal view (empty when it would be shown)."""
    if not isinstance(view, dict):
        return ["missing required field: view"]
    if view.get("type") != "modal":
        return ["must be a valid enum value [json-pointer:/view/type]"]
    errors = validate_view_blocks(view.get("blocks"))
    for name in ("title", "submit", "close"):
        if name in view or name == "title":
            errors += _title(view.get(name), name)
    has_input = any(
        b.get("type") == "input" for b in view.get("blocks") or [] if isinstance(b, dict)
    )
    if has_input and "submit" not in view:
        errors.append("submit is required when an input block is used [json-pointer:/view/submit]")
    if len(str(view.get("private_metadata", ""))) > METADATA_LIMIT:
        errors.append("must be less than 3001 characters [json-pointer:/view/private_metadata]")
    for index, block in enumerate(view.get("blocks") or []):
        errors += _input_limits(block, index)
    return errors


def _title(text: object, name: str) -> list[str]:
    pointer = f"[json-pointer:/view/{name}/text]"
    if not isinstance(text, dict) or text.get("type") != "plain_text":
        return [f"must be a plain_text object [json-pointer:/view/{name}]"]
    if not text.get("text"):
        return [f"must be more than 0 characters {pointer}"]
    if len(str(text["text"])) > TITLE_LIMIT:
        return [f"must be less than {TITLE_LIMIT + 1} characters {pointer}"]
    return []


def _input_limits(block: object, index: int) -> list[str]:
    if not isinstance(block, dict) or block.get("type") != "input":
        return []
    element = block.get("element") or {}
    pointer = f"/view/blocks/{index}/element/max_length"
    limit = element.get("max_length", TEXT_INPUT_LIMIT)
    if element.get("type") == "plain_text_input" and not 1 <= int(limit) <= TEXT_INPUT_LIMIT:
        return [f"must be less than {TEXT_INPUT_LIMIT + 1} [json-pointer:{pointer}]"]
    hint = block.get("hint")
    if hint is not None and len(str(hint.get("text", ""))) > 2000:
        return [f"must be less than 2001 characters [json-pointer:/view/blocks/{index}/hint/text]"]
    return []


def _inputs(view: JsonDict) -> list[JsonDict]:
    return [b for b in view["blocks"] if b.get("type") == "input"]


def _input_errors(view: JsonDict, values: Mapping[str, str | None]) -> list[str]:
    """What Slack's client refuses before sending: a required input empty, or too long."""
    errors = []
    for block in _inputs(view):
        element = block["element"]
        value = values.get(element["action_id"])
        if not value and not block.get("optional"):
            errors.append(f"{block['block_id']}: required")
        if value and len(value) > int(element.get("max_length", TEXT_INPUT_LIMIT)):
            errors.append(f"{block['block_id']}: longer than max_length")
    return errors


def _state(view: JsonDict, values: Mapping[str, str | None]) -> JsonDict:
    """`view.state.values`: by block id, then action id; an empty text input is null."""
    state: JsonDict = {}
    for block in _inputs(view):
        element = block["element"]
        value = values.get(element["action_id"]) or None
        state[block["block_id"]] = {element["action_id"]: {"type": element["type"], "value": value}}
    return state
