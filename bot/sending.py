"""The contract between the outbox and each platform: send a notice, or say why not."""

from __future__ import annotations

from typing import Protocol

from handlers.models import Notice


class DeliveryError(Exception):
    """A notice could not be delivered this time."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying: rate limited (with the platform's Retry-After), 5xx, network trouble."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """The platform will never accept it as configured; `fix` says which config key to change."""

    def __init__(self, reason: str, fix: str = "") -> None:
        super().__init__(f"{reason}. {fix}".strip() if fix else reason)
        self.fix = fix


class EditTargetGone(DeliveryError):
    """The message to edit in place no longer exists; post a new one instead."""


class Sender(Protocol):
    platform: str

    async def deliver(self, notice: Notice, edit_of: str | None) -> str:
        """Post the notice (or edit message `edit_of`) and return the platform message id."""
        ...
