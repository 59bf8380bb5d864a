"""The web view's pages (filled in by the next steps)."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from handlers.ports import ReportSource, Store, ViewSource


class WebStore(Store, ViewSource, ReportSource, Protocol):
    """What the web view reads through: the store's ports, never a concrete store."""


def add_routes(app: web.Application, parts: object, templates: object) -> None:
    """Add the web view's pages to `app`."""
