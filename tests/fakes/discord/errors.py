"""The JSON error answers Discord gives (Discord: opcodes and status codes › JSON error codes)."""

from __future__ import annotations

from typing import Any

from .payloads import Payload


class DiscordError(Exception):
    """An HTTP error the fake answers with Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, errors: Payload | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.body: Payload = {"message": message, "code": code}
        if errors is not None:
            self.body["errors"] = errors


def http_error(status: int, reason: str) -> DiscordError:
    """Answer a bare HTTP error, e.g. `{"message": "404: Not Found", "code": 0}`."""
    return DiscordError(status, 0, f"{status}: {reason}")


def unauthorized() -> DiscordError:
    """Answer a missing or wrong bot token."""
    return http_error(401, "Unauthorized")


def not_found() -> DiscordError:
    """Answer a route Discord does not have."""
    return http_error(404, "Not Found")


def unknown(kind: str, code: int) -> DiscordError:
    """Answer a 404 for an unknown resource, e.g. `unknown("Channel", 10003)`."""
    return DiscordError(404, code, f"Unknown {kind}")


def unknown_channel() -> DiscordError:
    """Answer an unknown channel id (10003)."""
    return unknown("Channel", 10003)


def unknown_message() -> DiscordError:
    """Answer an unknown message id (10008)."""
    return unknown("Message", 10008)


def missing_access() -> DiscordError:
    """Answer a channel the bot cannot see (50001)."""
    return DiscordError(403, 50001, "Missing Access")


def missing_permissions() -> DiscordError:
    """Answer an action the bot lacks a permission for (50013)."""
    return DiscordError(403, 50013, "Missing Permissions")


def bad_request(code: int, message: str) -> DiscordError:
    """Answer a 400 with a specific JSON error code."""
    return DiscordError(400, code, message)


def invalid_form_body(field: str, code: str, message: str) -> DiscordError:
    """Answer 50035 with one field error, nested the way Discord nests them."""
    errors: Any = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(field.split(".")):
        errors = {part: errors}
    return DiscordError(400, 50035, "Invalid Form Body", errors)


def too_long(field: str, limit: int) -> DiscordError:
    """Answer a string field longer than Discord allows."""
    return invalid_form_body(field, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def bad_length(field: str, low: int, high: int) -> DiscordError:
    """Answer a string field outside Discord's length bounds."""
    message = f"Must be between {low} and {high} in length."
    return invalid_form_body(field, "BASE_TYPE_BAD_LENGTH", message)
