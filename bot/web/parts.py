"""What the web server reads and reports on, lent by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.web.health import Readiness
from bot.web.meters import Meters
from handlers.ports import Clock, Store, ViewSource
from handlers.settings import DeskSettings


class WebStore(Store, ViewSource, Protocol):
    """What the web view reads through: the store's ports, never a concrete store."""


@dataclass(frozen=True)
class WebParts:
    store: WebStore
    clock: Clock
    settings: DeskSettings
    readiness: Readiness
    meters: Meters | None = None
