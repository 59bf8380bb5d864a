"""Interactions the fake dispatched, and how it answers their callbacks and follow-ups.

Each INTERACTION_CREATE the fake sends is registered; the callback, the original response and
the follow-ups are kept on an `InteractionRecord`, so a test can assert what the user saw.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence

from . import errors, messages, modals, payloads
from .messages import UploadedFile
from .payloads import Payload
from .state import DiscordState

Dispatch = Callable[[str, Payload], Awaitable[None]]

# Interaction callback types (receiving and responding › interaction callback type).
PONG = 1
CHANNEL_MESSAGE_WITH_SOURCE = 4
DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
AUTOCOMPLETE_RESULT = 8
MODAL = 9

_PING = 1
_AUTOCOMPLETE = 4
_VALID_FOR: dict[int, tuple[int, ...]] = {
    PONG: (_PING,),
    DEFERRED_UPDATE_MESSAGE: (payloads.MESSAGE_COMPONENT,),
    UPDATE_MESSAGE: (payloads.MESSAGE_COMPONENT,),
    AUTOCOMPLETE_RESULT: (_AUTOCOMPLETE,),
    MODAL: (payloads.APPLICATION_COMMAND, payloads.MESSAGE_COMPONENT),
}


@dataclasses.dataclass
class InteractionRecord:
    """One interaction: the payload sent, the callback received, the messages the user saw."""

    payload: Payload
    callback: Payload | None = None
    original: Payload | None = None
    followups: list[Payload] = dataclasses.field(default_factory=list)
    deleted: set[str] = dataclasses.field(default_factory=set)

    @property
    def id(self) -> str:
        """Return the interaction's snowflake."""
        return str(self.payload["id"])

    @property
    def token(self) -> str:
        """Return the interaction's continuation token."""
        return str(self.payload["token"])

    @property
    def callback_type(self) -> int | None:
        """Return the callback type the bot answered with (None while unanswered)."""
        return None if self.callback is None else int(self.callback["type"])

    @property
    def deferred(self) -> bool:
        """Tell whether the bot deferred (callback type 5 or 6)."""
        return self.callback_type in (DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_UPDATE_MESSAGE)

    @property
    def modal(self) -> Payload | None:
        """Return the modal the bot opened, if it answered with type 9."""
        return self.callback["data"] if self.callback_type == MODAL and self.callback else None

    @property
    def seen(self) -> list[Payload]:
        """Return the messages the user saw: the original response, then the follow-ups."""
        shown = [] if self.original is None else [self.original]
        shown += self.followups
        return [
            m for m in shown if not m["flags"] & payloads.LOADING and m["id"] not in self.deleted
        ]


def is_ephemeral(message: Payload) -> bool:
    """Tell whether a message carries the EPHEMERAL flag (64)."""
    return bool(message["flags"] & payloads.EPHEMERAL)


class Interactions:
    """Register dispatched interactions and answer the interaction and webhook endpoints."""

    def __init__(self, state: DiscordState, dispatch: Dispatch) -> None:
        self._state = state
        self._dispatch = dispatch
        self.records: dict[str, InteractionRecord] = {}

    def register(self, payload: Payload) -> InteractionRecord:
        """Remember an interaction so its token is accepted."""
        record = InteractionRecord(payload=payload)
        self.records[record.id] = record
        return record

    def by_callback(self, interaction_id: str, token: str) -> InteractionRecord:
        """Find an interaction by id and token, or answer 10062 Unknown interaction."""
        record = self.records.get(interaction_id)
        if record is None or record.token != token:
            raise errors.DiscordError(404, 10062, "Unknown interaction")
        return record

    def by_webhook(self, application_id: str, token: str) -> InteractionRecord:
        """Find an acknowledged interaction by its webhook, or answer 10015 Unknown Webhook."""
        found = next((r for r in self.records.values() if r.token == token), None)
        if found is None or found.callback is None or application_id != self._state.application_id:
            raise errors.unknown("Webhook", 10015)
        return found

    async def callback(
        self, record: InteractionRecord, body: Payload, files: Sequence[UploadedFile]
    ) -> Payload:
        """Answer `POST /interactions/{id}/{token}/callback`; return the callback response."""
        if record.callback is not None:
            raise errors.bad_request(40060, "Interaction has already been acknowledged.")
        kind = int(body.get("type", 0))
        allowed = _VALID_FOR.get(kind)
        if allowed is not None and record.payload["type"] not in allowed:
            raise errors.invalid_form_body(
                "type", "INTERACTION_TYPE_INVALID", "Invalid response type."
            )
        data = body.get("data") or {}
        if kind == MODAL:
            modals.check(data)
        if kind == CHANNEL_MESSAGE_WITH_SOURCE:
            record.original = await self._publish(record, self._build(record, data, files))
        elif kind == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            record.original = self._loading(record, data)
        elif kind in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            record.original = self._component_message(record)
        record.callback = {"type": kind, "data": data}
        if kind == UPDATE_MESSAGE and record.original is not None:
            await self.edit(record, record.original, data, files)
        return _callback_response(record, kind)

    async def followup(
        self, record: InteractionRecord, body: Payload, files: Sequence[UploadedFile]
    ) -> Payload:
        """Answer `POST /webhooks/{app}/{token}`: a follow-up, or the deferred response itself."""
        original = record.original
        if original is not None and original["flags"] & payloads.LOADING:
            # Discord: after a type 5 defer, the first follow-up edits the loading message.
            return await self.edit(record, original, {**body, "flags": None}, files)
        message = await self._publish(record, self._build(record, body, files))
        record.followups.append(message)
        return message

    def find(self, record: InteractionRecord, message_id: str) -> Payload:
        """Return `@original` or a follow-up of this interaction, or answer 10008."""
        if message_id == "@original":
            found = record.original
        else:
            found = next((m for m in record.followups if m["id"] == message_id), None)
        if found is None or found["id"] in record.deleted:
            raise errors.unknown_message()
        return found

    async def edit(
        self,
        record: InteractionRecord,
        message: Payload,
        body: Payload,
        files: Sequence[UploadedFile],
    ) -> Payload:
        """Edit an interaction message; a loading one becomes a real message now."""
        was_loading = bool(message["flags"] & payloads.LOADING)
        message["flags"] &= ~payloads.LOADING
        messages.edit(self._state, message, body, files)
        if was_loading:
            message["edited_timestamp"] = None
            return await self._publish(record, message)
        if self._stored(message):
            await self._dispatch("MESSAGE_UPDATE", messages.gateway_view(self._state, message))
        return message

    async def delete(self, record: InteractionRecord, message: Payload) -> None:
        """Delete an interaction message (and tell the gateway if it was in the channel)."""
        record.deleted.add(message["id"])
        if not self._stored(message):
            return
        del self._state.messages[message["channel_id"]][message["id"]]
        await self._dispatch("MESSAGE_DELETE", messages.deleted_event(self._state, message))

    def _build(
        self, record: InteractionRecord, body: Payload, files: Sequence[UploadedFile]
    ) -> Payload:
        draft = messages.Draft(self._state.bot, body, files)
        message = messages.build(self._state, record.payload["channel"], draft)
        return self._mark(record, message)

    def _loading(self, record: InteractionRecord, data: Payload) -> Payload:
        flags = payloads.LOADING | (int(data.get("flags") or 0) & payloads.EPHEMERAL)
        message = payloads.message(
            id=self._state.ids.next(),
            channel_id=int(record.payload["channel_id"]),
            author=self._state.bot,
            flags=flags,
        )
        return self._mark(record, message)

    def _mark(self, record: InteractionRecord, message: Payload) -> Payload:
        """Add the fields of a message created by an interaction response."""
        invoker = record.payload.get("member", {}).get("user") or record.payload.get("user")
        command = record.payload["type"] == payloads.APPLICATION_COMMAND
        message["type"] = payloads.CHAT_INPUT_COMMAND if command else payloads.DEFAULT_MESSAGE
        message["webhook_id"] = self._state.application_id
        message["application_id"] = self._state.application_id
        message["interaction_metadata"] = {
            "id": record.id,
            "type": record.payload["type"],
            "user": invoker,
            "authorizing_integration_owners": record.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        return message

    def _component_message(self, record: InteractionRecord) -> Payload | None:
        attached = record.payload.get("message")
        if attached is None:
            return None
        stored = self._state.messages.get(attached["channel_id"], {}).get(attached["id"])
        return stored if stored is not None else attached

    async def _publish(self, record: InteractionRecord, message: Payload) -> Payload:
        """Post a non-ephemeral message in its channel; ephemeral ones stay with the user."""
        channel = self._state.channels.get(message["channel_id"])
        if is_ephemeral(message) or channel is None:
            return message
        messages.store(self._state, channel, message)
        await self._dispatch("MESSAGE_CREATE", messages.gateway_view(self._state, message))
        return message

    def _stored(self, message: Payload) -> bool:
        return message["id"] in self._state.messages.get(message["channel_id"], {})


def _callback_response(record: InteractionRecord, kind: int) -> Payload:
    """Build the interaction callback response (`?with_response=true`)."""
    summary: Payload = {"id": record.id, "type": record.payload["type"]}
    response: Payload = {"interaction": summary}
    message = record.original
    if message is None or kind not in (
        CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        UPDATE_MESSAGE,
    ):
        return response
    summary["response_message_id"] = message["id"]
    summary["response_message_loading"] = bool(message["flags"] & payloads.LOADING)
    summary["response_message_ephemeral"] = is_ephemeral(message)
    if kind != DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
        response["resource"] = {"type": kind, "message": message}
    return response
