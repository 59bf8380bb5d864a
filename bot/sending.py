"""The contract between the outbox and each platform: send a notice, or say why not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

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


@dataclass(frozen=True)
class ChannelPace:
    """How fast one channel takes posts: at most `posts` in any `per` seconds.

    `per_thread`: each thread is a channel of its own (Discord), not part of its parent's.
    """

    posts: int
    per: float
    per_thread: bool = False


UNPACED = ChannelPace(posts=1, per=0.0)  # as fast as the platform answers


@runtime_checkable
class Paced(Protocol):
    """A sender that declares its platform's documented per-channel posting limit."""

    pace: ChannelPace


def pace_of(sender: Sender) -> ChannelPace:
    """The sender's declared pace, or none for a platform without a posting limit."""
    return sender.pace if isinstance(sender, Paced) else UNPACED
