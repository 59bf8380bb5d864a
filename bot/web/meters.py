"""What `/metrics` shows, in Prometheus text: counted as it happens, or read at scrape time.

Events received, deliveries and sweeps are counted as they happen (the desk and the senders
are wrapped, the scheduler reports each sweep's duration). Tickets, the outbox and breached
promises are read from storage at each scrape, so every process on the database agrees.
Labels are platforms, outcomes, states and error kinds: never a person, a channel or text.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.sending import (
    EditTargetGone,
    PermanentDeliveryError,
    Sender,
    TransientDeliveryError,
    pace_of,
)
from handlers.desk import Desk
from handlers.digest.rows import ActiveGroup
from handlers.intake import IntakeResult
from handlers.models import EventKind, Inbound, Notice
from handlers.ports import Clock, ReportSource, ViewSource
from handlers.views import Totals

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
COUNTED_EVENTS = (EventKind.OPENED, EventKind.RESOLVED)
_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass(frozen=True)
class _Stored:
    totals: Totals
    active: tuple[ActiveGroup, ...]
    age: float | None


class _StoredFigures(Collector):
    """The figures read from storage at each scrape (set by `Meters.refresh`)."""

    def __init__(self) -> None:
        self.read: _Stored | None = None

    def collect(self) -> Iterator[Metric]:
        read = self.read
        if read is None:
            return
        for kind in COUNTED_EVENTS:
            yield CounterMetricFamily(
                f"deskbot_tickets_{kind}",
                f"Tickets {kind} (audit events, every process on the database).",
                value=read.totals.events.get(kind, 0),
            )
        yield self._open(read.active)
        yield GaugeMetricFamily(
            "deskbot_sla_breached_promises",
            "SLA promises broken and not yet met (answered or resolved).",
            value=read.totals.open_breaches,
        )
        outbox = GaugeMetricFamily("deskbot_outbox_notices", "Notices by state.", labels=["state"])
        for state in ("pending", "failed"):
            outbox.add_metric([state], read.totals.outbox.get(state, 0))
        yield outbox
        yield GaugeMetricFamily(
            "deskbot_outbox_oldest_pending_seconds",
            "Age of the oldest notice still to be delivered (0 when none is).",
            value=read.age or 0.0,
        )

    @staticmethod
    def _open(active: tuple[ActiveGroup, ...]) -> Metric:
        family = GaugeMetricFamily(
            "deskbot_open_tickets",
            "Active tickets by status and priority.",
            labels=["status", "priority"],
        )
        counts: dict[tuple[str, str], int] = {}
        for group in active:
            key = (str(group.status), str(group.priority))
            counts[key] = counts.get(key, 0) + group.count
        for (status, priority), count in sorted(counts.items()):
            family.add_metric([status, priority], count)
        return family


class Meters:
    """This process's Prometheus registry and the instruments that feed it."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.received = Counter(
            "deskbot_events_received",
            "Message events received, by platform and what became of them.",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.delivery = Histogram(
            "deskbot_delivery_seconds",
            "How long a platform took to accept a notice.",
            ["platform"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "deskbot_platform_errors",
            "Deliveries a platform refused, by platform and kind of error.",
            ["platform", "code"],
            registry=self.registry,
        )
        self.sweeps = Histogram(
            "deskbot_sweep_seconds",
            "How long each timer sweep took.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._stored = _StoredFigures()
        self.registry.register(self._stored)

    def swept(self, seconds: float) -> None:
        self.sweeps.observe(seconds)

    def sender(self, sender: Sender) -> Sender:
        """`sender`, timed and its errors counted."""
        return MeteredSender(sender, self)

    async def refresh(self, store: ViewSource, reports: ReportSource, clock: Clock) -> None:
        """Read the stored figures for this scrape."""
        totals = await store.view(lambda views: views.totals([str(k) for k in COUNTED_EVENTS]))
        active = await reports.report(lambda found: tuple(found.active()))
        oldest = totals.oldest_pending
        age = None if oldest is None else (clock.now() - oldest).total_seconds()
        self._stored.read = _Stored(totals, active, age)

    def text(self) -> bytes:
        return generate_latest(self.registry)


def error_code(error: Exception) -> str:
    """The kind of a delivery error, as a label: never its message, which may name people."""
    if isinstance(error, TransientDeliveryError):
        return "transient"
    if isinstance(error, PermanentDeliveryError):
        return "permanent"
    if isinstance(error, EditTargetGone):
        return "edit_target_gone"
    return "unexpected"


class MeteredSender:
    """A platform's sender, timed; what it raises is counted and raised on unchanged."""

    def __init__(self, sender: Sender, meters: Meters) -> None:
        self.platform = sender.platform
        self.pace = pace_of(sender)  # the outbox paces by the platform's limit all the same
        self._sender = sender
        self._meters = meters

    async def deliver(self, notice: Notice, edit_of: str | None) -> str:
        started = time.perf_counter()
        try:
            return await self._sender.deliver(notice, edit_of)
        except Exception as error:
            self._meters.errors.labels(self.platform, error_code(error)).inc()
            raise
        finally:
            self._meters.delivery.labels(self.platform).observe(time.perf_counter() - started)


class MeteredDesk(Desk):
    """The desk, counting each message event received by platform and outcome."""

    def __init__(self, meters: Meters, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        self.meters = meters

    async def receive(self, inbound: Inbound) -> IntakeResult:
        try:
            result = await super().receive(inbound)
        except Exception:
            self.meters.received.labels(inbound.place.platform, "error").inc()
            raise
        self.meters.received.labels(inbound.place.platform, str(result.outcome)).inc()
        return result
