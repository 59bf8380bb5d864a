"""The digest's sentences: plain text that reads the same in Slack, Discord and a terminal.

No markup and no column alignment (chat fonts are proportional): one fact per line, parts
joined by ` · `. Each sentence is a message of the desk's `Texts`, so the digest speaks the
language of the platform it is posted on. Subjects and names pass through `quote`. The
whole digest fits in
Discord's 2,000 characters: `fit` drops agent and ticket lines from the end of their lists
("…and N more") and shortens subjects until it does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

from handlers.digest.rows import ActiveTicket, Rating
from handlers.models import ClockKind, Priority, Status
from handlers.texts import Texts, quote, shorten

if TYPE_CHECKING:
    from handlers.digest.figures import AgentLine, Digest, Sla

LIMIT = 2000
SEPARATOR = " · "
AGENT_LINES = 8
SUBJECT_WIDTHS = (60, 36, 20)


# -- numbers ----------------------------------------------------------------------------------


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


# -- sections -------------------------------------------------------------------------------


def period_length(span: timedelta) -> str:
    """`24h` for a day or three, then `4d 2h`."""
    if span < timedelta(days=3) and not span.total_seconds() % 3600:
        return f"{int(span.total_seconds() // 3600)}h"
    return age(span)


def heading(t: Texts, digest: Digest) -> str:
    length = period_length(digest.period.length)
    now = t.when(digest.now, digest.timezone)
    if digest.since_last_digest:
        return t.say(
            "Digest for {now}: since the last digest ({start}, {length} ago).",
            now=now,
            start=t.when(digest.period.start, digest.timezone),
            length=length,
        )
    return t.say("Digest for {now}: the last {length}.", now=now, length=length)


def flow_line(t: Texts, digest: Digest) -> str:
    now, before = digest.current.flow, digest.previous.flow
    return t.say(
        "New {opened}{opened_change} · resolved {resolved}{resolved_change}"
        " · reopened {reopened}{reopened_change}",
        opened=t.number(now.opened),
        opened_change=change(now.opened - before.opened),
        resolved=t.number(now.resolved),
        resolved_change=change(now.resolved - before.resolved),
        reopened=t.number(now.reopened),
        reopened_change=change(now.reopened - before.reopened),
    )


def backlog_lines(t: Texts, digest: Digest) -> list[str]:
    backlog = digest.backlog
    moved = change(backlog.total - digest.backlog_at_start)
    if not backlog.total:
        return [t.say("Backlog 0{change}: nothing open.", change=moved)]
    statuses = SEPARATOR.join(
        f"{t.status_name(Status(status))} {t.number(n)}" for status, n in backlog.by_status
    )
    priorities = SEPARATOR.join(
        f"{t.priority_name(Priority(priority))} {t.number(n)}"
        for priority, n in backlog.by_priority
    )
    total = t.number(backlog.total)
    lines = [
        t.say("Backlog {total}{change}: {statuses}", total=total, change=moved, statuses=statuses),
        t.say("By priority: {priorities}", priorities=priorities),
    ]
    return [*lines, unclaimed_line(t, digest)]


def unclaimed_line(t: Texts, digest: Digest) -> str:
    backlog = digest.backlog
    values = {
        "count": t.number(backlog.unclaimed),
        "change": change(digest.change("unclaimed", backlog.unclaimed)),
    }
    if backlog.oldest_unclaimed is None:
        return t.say("Unclaimed {count}{change}", **values)
    oldest = age(digest.now - backlog.oldest_unclaimed)
    return t.say("Unclaimed {count}{change}, the oldest for {age}", age=oldest, **values)


def risk_lines(t: Texts, digest: Digest) -> list[str]:
    risk = digest.risk
    values = {
        "count": t.number(risk.breached),
        "change": change(digest.change("breached", risk.breached)),
    }
    if risk.breached_by_kind:
        kinds = SEPARATOR.join(
            f"{t.clock_name(ClockKind(kind))} {t.number(n)}" for kind, n in risk.breached_by_kind
        )
        breached = t.say("SLA breached now: {count}{change}: {kinds}", kinds=kinds, **values)
    else:
        breached = t.say("SLA breached now: {count}{change}", **values)
    at_risk = t.say(
        "At risk of breaching within {within}: {count}{change}",
        within=age(risk.within),
        count=t.number(risk.at_risk),
        change=change(digest.change("at_risk", risk.at_risk)),
    )
    return [breached, at_risk]


def sla_line(t: Texts, name: str, now: Sla, before: Sla) -> str:
    kept, times = now.compliance, now.times
    if not kept.decided and not times.count:
        return t.say("{name}: nothing answered or due in the period.", name=name)
    parts = []
    if kept.rate is not None:
        parts.append(
            t.say(
                "{percent} on time, {met} of {decided}{change}",
                percent=percent(kept.rate),
                met=t.number(kept.met),
                decided=t.number(kept.decided),
                change=points(t, kept.rate, before.compliance.rate),
            )
        )
    else:
        parts.append(t.say("no promise decided"))
    if times.median is not None and times.p90 is not None:
        parts.append(
            t.say(
                "median {time}{was}", time=business(times.median), was=was(t, before.times.median)
            )
        )
        parts.append(
            t.say("p90 {time}{was}", time=business(times.p90), was=was(t, before.times.p90))
        )
    return t.say("{name}: {figures}", name=name, figures=SEPARATOR.join(parts))


def points(t: Texts, now: float | None, before: float | None) -> str:
    """The change of a rate in percentage points: ` (-5 pts)`."""
    if now is None or before is None:
        return ""
    # Translators: the unit of a change in percentage points, as in "(-5 pts)".
    return signed(whole_percent(now) - whole_percent(before), t.say(" pts"))


def was(t: Texts, seconds: float | None) -> str:
    return "" if seconds is None else t.say(" (was {time})", time=business(seconds))


def sla_lines(t: Texts, digest: Digest) -> list[str]:
    now, before = digest.current, digest.previous
    return [
        sla_line(
            t, t.clock_title(ClockKind.FIRST_RESPONSE), now.first_response, before.first_response
        ),
        sla_line(t, t.clock_title(ClockKind.RESOLUTION), now.resolution, before.resolution),
    ]


def legend(t: Texts, digest: Digest) -> str:
    return t.say(
        "Times are business time; (±n) is the change against the {length} before.",
        length=period_length(digest.period.length),
    )


def agent_line(t: Texts, line: AgentLine, rated: bool = False) -> str:
    answered = "–" if line.first_response_median is None else business(line.first_response_median)
    figures = [t.number(line.claimed), t.number(line.resolved), answered, t.number(line.open)]
    if rated:
        figures.append("–" if line.csat is None else percent(line.csat))
    return f"  {quote(shorten(line.name, 32))}: {SEPARATOR.join(figures)}"


def agent_lines(t: Texts, digest: Digest, shown: int) -> list[str]:
    if not digest.agents:
        return []
    # The CSAT column shows when there is a rating to show in it.
    rated = any(line.csat is not None for line in digest.agents)
    if rated:
        lines = [t.say("Agents: claimed · resolved · median first response · open now · CSAT")]
    else:
        lines = [t.say("Agents: claimed · resolved · median first response · open now")]
    lines += [agent_line(t, line, rated) for line in digest.agents[:shown]]
    hidden = len(digest.agents) - shown
    if hidden > 0:
        lines.append(t.say_plural("  …and {n} more agent", "  …and {n} more agents", hidden))
    return lines


def snippet_lines(t: Texts, digest: Digest) -> list[str]:
    """The saved replies used most in the period: `:reboot 12 · :hello 3`."""
    if not digest.snippets:
        return []
    used = SEPARATOR.join(f":{use.name} {t.number(use.count)}" for use in digest.snippets)
    return [t.say("Saved replies used most: {used}", used=used)]


def satisfaction_lines(t: Texts, digest: Digest) -> list[str]:
    """CSAT, average score and response rate, then the lowest-rated tickets and comments."""
    found = digest.satisfaction
    if found.is_empty:
        return []
    parts = []
    if found.csat is not None and found.average is not None:
        average = f"{found.average:.1f}"
        parts.append(
            t.say(
                "Satisfaction: CSAT {csat} ({positive} of {ratings} positive)"
                " · average {average} / 5",
                csat=percent(found.csat),
                positive=t.number(found.positive),
                ratings=t.number(found.ratings),
                average=average,
            )
        )
    else:
        parts.append(t.say("Satisfaction: no ratings in the period"))
    if found.response_rate is not None:
        parts.append(
            t.say(
                "response rate {rate} ({answered} of {asked} asked)",
                rate=percent(found.response_rate),
                answered=t.number(found.surveys.answered),
                asked=t.number(found.surveys.asked),
            )
        )
    lines = [SEPARATOR.join(parts)]
    if found.lowest:
        lines.append(t.say("Lowest rated:"))
        lines += [rating_line(t, rating) for rating in found.lowest]
    return lines


def rating_line(t: Texts, rating: Rating) -> str:
    parts = [
        f"  #{rating.ticket_id} {rating.score}/5",
        quote(rating.agent_name) if rating.agent_name else t.say("unclaimed"),
        quote(shorten(rating.subject, 36)),
    ]
    if rating.comment:
        parts.append(f"“{quote(shorten(' '.join(rating.comment.split()), 80))}”")
    line = SEPARATOR.join(parts)
    return f"{line} {rating.permalink}" if rating.permalink else line


def ticket_line(t: Texts, ticket: ActiveTicket, digest: Digest, width: int) -> str:
    holder = quote(ticket.assignee_name) if ticket.assignee_name else t.say("unclaimed")
    parts = [
        f"  #{ticket.id} {age(digest.now - ticket.created_at)}",
        t.priority_name(Priority(ticket.priority)),
        holder,
        *([t.status_name(Status.WAITING)] if ticket.status == "waiting" else []),
        quote(shorten(ticket.subject, width)),
    ]
    line = SEPARATOR.join(parts)
    return f"{line} {ticket.permalink}" if ticket.permalink else line


def oldest_lines(t: Texts, digest: Digest, shown: int, width: int) -> list[str]:
    if not digest.oldest:
        return []
    lines = [t.say("Oldest open:")]
    lines += [ticket_line(t, ticket, digest, width) for ticket in digest.oldest[:shown]]
    hidden = digest.backlog.total - min(shown, len(digest.oldest))
    if hidden > 0:
        lines.append(
            t.say_plural("  …and {n} more open ticket", "  …and {n} more open tickets", hidden)
        )
    return lines


def text(t: Texts, digest: Digest, agents: int, oldest: int, width: int) -> str:
    """The digest with at most `agents` agent lines, `oldest` tickets, subjects of `width`."""
    blocks = [
        [
            heading(t, digest),
            flow_line(t, digest),
            *backlog_lines(t, digest),
            *risk_lines(t, digest),
        ],
        [*sla_lines(t, digest), legend(t, digest)],
        satisfaction_lines(t, digest),
        agent_lines(t, digest, agents),
        snippet_lines(t, digest),
        oldest_lines(t, digest, oldest, width),
        learnt_lines(t, digest),
        retention_lines(t, digest),
        incident_lines(t, digest),
    ]
    return "\n\n".join("\n".join(block) for block in blocks if block)


def incident_lines(t: Texts, digest: Digest) -> list[str]:
    """The period's incidents: each with its status or how long it lasted, and its tickets."""
    if not digest.incidents:
        return []
    return [t.digest_incidents_heading(), *(f"  {t.digest_incident(i)}" for i in digest.incidents)]


def learnt_lines(t: Texts, digest: Digest) -> list[str]:
    """The period's recurring problems, and what answers that helped others solved."""
    learnt = digest.learnt
    lines = []
    if learnt.clusters:
        lines.append(t.recurring_heading())
        lines += [f"  {t.recurring(c.size, c.about)}" for c in learnt.clusters]
    if learnt.deflected:
        lines.append(t.deflections(learnt.deflected))
    return lines


def retention_lines(t: Texts, digest: Digest) -> list[str]:
    """What retention redacted and pruned in the period, and how many people were forgotten."""
    done = digest.retained
    if done.is_empty:
        return []
    lines = []
    if done.messages or done.events or done.inbound_keys:
        lines.append(t.retention_done(done.messages, done.events, done.inbound_keys))
    if done.forgotten:
        lines.append(t.people_forgotten(done.forgotten))
    return lines


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


def fit(t: Texts, digest: Digest, limit: int = LIMIT) -> str:
    """The fullest digest text within `limit` characters, in the language of `t`."""
    for agents, oldest, width in layouts(digest):
        found = text(t, digest, agents, oldest, width)
        if len(found) <= limit:
            return found
    return shorten(found, limit)
