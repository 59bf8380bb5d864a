"""The web server the bot process runs: the web view's pages and the operators' endpoints.

Started by the composition root after everything it reports on, stopped first. Every
response carries the security headers; a request that fails in our code gets a plain page
and the traceback goes to the log, never to the browser; garbage on the port gets aiohttp's
400 before any of our code runs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.config import WebConfig
from bot.web import pages
from bot.web.health import OK
from bot.web.meters import CONTENT_TYPE
from bot.web.parts import WebParts
from bot.web.templates import Templates
from handlers.language import language
from handlers.texts import ENGLISH

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SECURITY_HEADERS = {
    # No script at all, styles only from our own stylesheet, no framing, no plugins.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self';"
        " frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # Sign-in links carry their pass in the path: no Referer ever leaves for another site.
    # (`no-referrer` would also make browsers send `Origin: null` on our own forms.)
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add the security headers to every answer; turn our own failures into a plain 500."""
    try:
        response = await handler(request)
    except web.HTTPException as refusal:
        refusal.headers.update(SECURITY_HEADERS)
        raise
    except Exception:
        log.exception("The web view failed on %s %s", request.method, request.path)
        response = web.Response(status=500, text=ENGLISH.unexpected_failure())
    response.headers.update(SECURITY_HEADERS)
    return response


class WebView:
    """The aiohttp application(s) and the sites they listen on."""

    def __init__(self, config: WebConfig, parts: WebParts) -> None:
        self.config = config
        self.parts = parts
        self._runners: list[web.AppRunner] = []

    def application(self) -> web.Application:
        """The web view, the health checks and (unless on its own port) the metrics."""
        app = web.Application(middlewares=[guard], client_max_size=64 * 1024)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        if self._metrics_here:
            app.router.add_get("/metrics", self.metrics)
        # The pages speak the desk's `locale`, from the same catalogs as its chat texts.
        speaking = language(self.parts.settings.locale).translations
        pages.add_routes(app, self.parts, Templates(speaking))
        return app

    def metrics_application(self) -> web.Application:
        app = web.Application(middlewares=[guard])
        app.router.add_get("/metrics", self.metrics)
        return app

    @property
    def _metrics_here(self) -> bool:
        return self.config.metrics and self.config.metrics_port is None

    async def start(self) -> None:
        """Listen on `web.host`:`web.port` (and `web.metrics_port`)."""
        await self._serve(self.application(), self.config.listen_port)
        if self.config.metrics and self.config.metrics_port is not None:
            await self._serve(self.metrics_application(), self.config.metrics_port)
        log.info("Web view at %s", self.config.base_url)

    async def _serve(self, app: web.Application, port: int) -> None:
        # No access log: request paths carry sign-in passes.
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        self._runners.append(runner)
        await web.TCPSite(runner, self.config.host, port).start()

    async def stop(self) -> None:
        """Stop listening and finish the requests in flight."""
        while self._runners:
            await self._runners.pop().cleanup()

    async def healthz(self, request: web.Request) -> web.Response:
        """The process is alive and answering."""
        return web.json_response({"status": OK})

    async def readyz(self, request: web.Request) -> web.Response:
        """Every check passes (200), or the JSON names each one that failed (503)."""
        checks = await self.parts.readiness.checks()
        failed = sorted(name for name, finding in checks.items() if finding != OK)
        readiness = self.parts.readiness
        body = {"ready": not failed, "failed": failed, "checks": checks, **readiness.instance()}
        return web.Response(
            status=503 if failed else 200,
            text=json.dumps(body, indent=2),
            content_type="application/json",
        )

    async def metrics(self, request: web.Request) -> web.Response:
        meters = self.parts.meters
        if meters is None:
            raise web.HTTPNotFound()
        await meters.refresh(self.parts.store, self.parts.store, self.parts.clock)
        response = web.Response(body=meters.text())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response
