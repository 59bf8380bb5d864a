"""The digest's sentences: plain text that reads the same in Slack, Discord and a terminal.

No markup and no column alignment (chat fonts are proportional): one fact per line, parts
joined by ` · `. Subjects and names pass through `texts.quote`. The whole digest fits in
Discord's 2,000 characters: `fit` drops agent and ticket lines from the end of their lists
("…and N more") and shortens subjects until it does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from handlers import texts
from handlers.digest.rows import ActiveTicket

if TYPE_CHECKING:
    from handlers.digest.figures import AgentLine, Digest, Sla

LIMIT = 2000
SEPARATOR = " · "
AGENT_LINES = 8
SUBJECT_WIDTHS = (60, 36, 20)
_KIND_NAMES = {
    "first_response": "first response",
    "next_response": "next response",
    "resolution": "resolution",
}


# -- numbers ----------------------------------------------------------------------------------


def count(number: int) -> str:
    return f"{number:,}"


def signed(delta: int, unit: str = "") -> str:
    sign = "±" if delta == 0 else "+" if delta > 0 else "-"
    return f" ({sign}{abs(delta):,}{unit})"


def change(delta: int | None) -> str:
    """` (+3)`, ` (-2)`, ` (±0)`; nothing when there is nothing to compare with."""
    return "" if delta is None else signed(delta)


def percent(rate: float) -> str:
    return f"{whole_percent(rate)}%"


def whole_percent(rate: float) -> int:
    # Round down, so that 100% means every promise was kept (99.6% is not 100%).
    return int(rate * 100 + 1e-9)


def points(now: float | None, before: float | None) -> str:
    """The change of a rate in percentage points: ` (-5 pts)`."""
    if now is None or before is None:
        return ""
    return signed(whole_percent(now) - whole_percent(before), " pts")


def business(seconds: float) -> str:
    """A business-time span in hours and minutes (a business "day" means different things on
    different calendars): `45s`, `35m`, `3h 10m`, `140h`."""
    if seconds < 59.5:
        return f"{round(seconds)}s"
    hours, minutes = divmod(round(seconds / 60), 60)
    if hours >= 100 or (hours and not minutes):
        return f"{hours}h"
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def age(span: timedelta) -> str:
    """A wall-clock age in its two largest units: `3d 4h`, `5h 10m`, `12m`."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    units = [(days, "d"), (hours, "h"), (minutes, "m")]
    largest = next((index for index, (amount, _) in enumerate(units) if amount), 2)
    shown = [f"{amount}{unit}" for amount, unit in units[largest : largest + 2] if amount]
    return " ".join(shown) or "0m"


def when(at: datetime, digest: Digest) -> str:
    return texts.when(at, digest.timezone)


# -- sections -------------------------------------------------------------------------------


def period_length(span: timedelta) -> str:
    """`24h` for a day or three, then `4d 2h`."""
    if span < timedelta(days=3) and not span.total_seconds() % 3600:
        return f"{int(span.total_seconds() // 3600)}h"
    return age(span)


def heading(digest: Digest) -> str:
    length = period_length(digest.period.length)
    if digest.since_last_digest:
        since = f"since the last digest ({when(digest.period.start, digest)}, {length} ago)"
    else:
        since = f"the last {length}"
    return f"Digest for {when(digest.now, digest)}: {since}."


def flow_line(digest: Digest) -> str:
    now, before = digest.current.flow, digest.previous.flow
    return SEPARATOR.join(
        (
            f"New {count(now.opened)}{change(now.opened - before.opened)}",
            f"resolved {count(now.resolved)}{change(now.resolved - before.resolved)}",
            f"reopened {count(now.reopened)}{change(now.reopened - before.reopened)}",
        )
    )


def backlog_lines(digest: Digest) -> list[str]:
    backlog = digest.backlog
    moved = change(backlog.total - digest.backlog_at_start)
    if not backlog.total:
        return [f"Backlog 0{moved}: nothing open."]
    statuses = SEPARATOR.join(f"{status} {count(n)}" for status, n in backlog.by_status)
    priorities = SEPARATOR.join(f"{priority} {count(n)}" for priority, n in backlog.by_priority)
    lines = [f"Backlog {count(backlog.total)}{moved}: {statuses}", f"By priority: {priorities}"]
    unclaimed = f"Unclaimed {count(backlog.unclaimed)}"
    unclaimed += change(digest.change("unclaimed", backlog.unclaimed))
    if backlog.oldest_unclaimed is not None:
        unclaimed += f", the oldest for {age(digest.now - backlog.oldest_unclaimed)}"
    return [*lines, unclaimed]


def risk_lines(digest: Digest) -> list[str]:
    risk = digest.risk
    breached = f"SLA breached now: {count(risk.breached)}"
    breached += change(digest.change("breached", risk.breached))
    if risk.breached_by_kind:
        breached += ": " + SEPARATOR.join(
            f"{_KIND_NAMES.get(kind, kind)} {count(n)}" for kind, n in risk.breached_by_kind
        )
    at_risk = f"At risk of breaching within {age(risk.within)}: {count(risk.at_risk)}"
    return [breached, at_risk + change(digest.change("at_risk", risk.at_risk))]


def sla_line(name: str, now: Sla, before: Sla) -> str:
    kept, times = now.compliance, now.times
    if not kept.decided and not times.count:
        return f"{name}: nothing answered or due in the period."
    parts = []
    if kept.rate is not None:
        parts.append(
            f"{percent(kept.rate)} on time, {count(kept.met)} of {count(kept.decided)}"
            + points(kept.rate, before.compliance.rate)
        )
    else:
        parts.append("no promise decided")
    if times.median is not None and times.p90 is not None:
        parts.append(f"median {business(times.median)}{was(before.times.median)}")
        parts.append(f"p90 {business(times.p90)}{was(before.times.p90)}")
    return f"{name}: {SEPARATOR.join(parts)}"


def was(seconds: float | None) -> str:
    return "" if seconds is None else f" (was {business(seconds)})"


def sla_lines(digest: Digest) -> list[str]:
    now, before = digest.current, digest.previous
    return [
        sla_line("First response", now.first_response, before.first_response),
        sla_line("Resolution", now.resolution, before.resolution),
    ]


def legend(digest: Digest) -> str:
    return (
        "Times are business time; (±n) is the change against the"
        f" {period_length(digest.period.length)}"
        " before."
    )


def agent_line(line: AgentLine) -> str:
    answered = "–" if line.first_response_median is None else business(line.first_response_median)
    return (
        f"  {texts.quote(texts.shorten(line.name, 32))}: {count(line.claimed)}{SEPARATOR}"
        f"{count(line.resolved)}{SEPARATOR}{answered}{SEPARATOR}{count(line.open)}"
    )


def agent_lines(digest: Digest, shown: int) -> list[str]:
    if not digest.agents:
        return []
    lines = ["Agents: claimed · resolved · median first response · open now"]
    lines += [agent_line(line) for line in digest.agents[:shown]]
    return lines + more(len(digest.agents) - shown, "agent")


def ticket_line(ticket: ActiveTicket, digest: Digest, width: int) -> str:
    parts = [
        f"  #{ticket.id} {age(digest.now - ticket.created_at)}",
        str(ticket.priority),
        texts.quote(ticket.assignee_name) if ticket.assignee_name else "unclaimed",
        *(["waiting"] if ticket.status == "waiting" else []),
        texts.quote(texts.shorten(ticket.subject, width)),
    ]
    line = SEPARATOR.join(parts)
    return f"{line} {ticket.permalink}" if ticket.permalink else line


def oldest_lines(digest: Digest, shown: int, width: int) -> list[str]:
    if not digest.oldest:
        return []
    lines = ["Oldest open:"]
    lines += [ticket_line(ticket, digest, width) for ticket in digest.oldest[:shown]]
    return lines + more(digest.backlog.total - min(shown, len(digest.oldest)), "open ticket")


def more(hidden: int, what: str) -> list[str]:
    if hidden <= 0:
        return []
    return [f"  …and {count(hidden)} more {what}{'' if hidden == 1 else 's'}"]


def text(digest: Digest, agents: int, oldest: int, width: int) -> str:
    """The digest with at most `agents` agent lines, `oldest` tickets, subjects of `width`."""
    blocks = [
        [heading(digest), flow_line(digest), *backlog_lines(digest), *risk_lines(digest)],
        [*sla_lines(digest), legend(digest)],
        agent_lines(digest, agents),
        oldest_lines(digest, oldest, width),
    ]
    return "\n\n".join("\n".join(block) for block in blocks if block)


def layouts(digest: Digest) -> Iterator[tuple[int, int, int]]:
    """(agent lines, tickets, subject width) from the fullest digest to the leanest."""
    agents, oldest, width = min(AGENT_LINES, len(digest.agents)), len(digest.oldest), 60
    yield agents, oldest, width
    while agents > 3 or oldest > 1:
        if agents > 3 and (agents >= oldest or oldest <= 1):
            agents -= 1
        else:
            oldest -= 1
        yield agents, oldest, width
    for width in SUBJECT_WIDTHS[1:]:
        yield agents, oldest, width
    while agents or oldest:
        agents, oldest = max(agents - 1, 0), max(oldest - 1, 0)
        yield agents, oldest, width


def fit(digest: Digest, limit: int = LIMIT) -> str:
    """The fullest digest text within `limit` characters."""
    for agents, oldest, width in layouts(digest):
        found = text(digest, agents, oldest, width)
        if len(found) <= limit:
            return found
    return texts.shorten(found, limit)
