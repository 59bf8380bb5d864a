"""A ticket's life in words: intake, refusals, answers, thread notes, reminders, buttons."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.models import (
    Action,
    ClockKind,
    CustomerHistory,
    Scale,
    Ticket,
)
from handlers.texts.words import (
    N_,
    Refused,
    Speaking,
    duration,
    quote,
    score_text,
    shorten,
    shown,
    ticket_ref,
)

_ACTION_LABELS = {
    "claim": N_("Claim"),
    "resolve": N_("Resolve"),
    "reopen": N_("Reopen"),
    "solved": N_("This solved it"),
    "reply": N_("Reply"),
    "incident": N_("Declare incident"),  # a spike's alert
}


class TicketTexts(Speaking):
    """A ticket's life in words: intake, refusals, answers, thread notes, reminders, buttons."""

    # -- intake ------------------------------------------------------------------------------

    def ack(self, ticket: Ticket, due: datetime | None, within: str, zone: ZoneInfo) -> str:
        name = quote(ticket.customer.name)
        if due is None:
            return self.say(
                "Thanks, {name}! This is ticket #{id}. An agent will answer here as soon as"
                " possible.",
                name=name,
                id=ticket.id,
            )
        return self.say(
            "Thanks, {name}! This is ticket #{id}. An agent will answer here within {within}"
            " (by {due}).",
            name=name,
            id=ticket.id,
            within=within,
            due=self.when(due, zone),
        )

    def thread_title(self, ticket: Ticket) -> str:
        return ticket_ref(ticket)

    def card_text(self, ticket: Ticket, history: CustomerHistory | None = None) -> str:
        parts = [
            f"#{ticket.id}",
            quote(ticket.subject),
            self.status_name(ticket.status),
            self.priority_name(ticket.priority),
            self.say("from {name}", name=quote(ticket.customer.name)),
            self.assignee_phrase(ticket),
        ]
        if ticket.first_response_at:
            parts.append(self.say("answered"))
        said = self.customer_history(history)
        if said:
            parts.append(said)
        return " · ".join(parts)

    def customer_history(self, history: CustomerHistory | None) -> str | None:
        """Who the customer is to the desk: `3 tickets in 30 days, 1 other open`; None for a
        first ticket, which a card says nothing more about."""
        if history is None or not history.worth_saying:
            return None
        if history.recent >= history.cap:
            recent = self.say("{n}+ tickets in 30 days", n=self.number(history.cap))
        else:
            recent = self.say_plural(
                "{n} ticket in 30 days", "{n} tickets in 30 days", history.recent
            )
        said = self._others_open(recent, history)
        if history.last_score is None:
            return said
        scale = Scale.THUMBS if history.last_thumbs else Scale.FIVE
        last = score_text(scale, history.last_score)
        return self.say("{history} · last rating {score}", history=said, score=last)

    def _others_open(self, recent: str, history: CustomerHistory) -> str:
        if not history.other_open:
            return recent
        if history.other_open >= history.cap:
            others = self.say("{n}+ others open", n=self.number(history.cap))
            return self.say("{recent}, {others}", recent=recent, others=others)
        return self.say_plural(
            "{recent}, {n} other open",
            "{recent}, {n} others open",
            history.other_open,
            recent=recent,
        )

    def empty_message(self) -> str:
        return self.say("That message is empty, so there is nothing to open a ticket with.")

    def message_too_long(self, length: int, limit: int) -> str:
        return self.say(
            "That message is too long ({length} characters; the limit is {limit}).",
            length=self.number(length),
            limit=self.number(limit),
        )

    def attachment_subject(self, names: str) -> str:
        """The subject of a ticket opened with files and no words."""
        return self.say("(attachment: {names})", names=names)

    def reopened_by_reply(self, ticket: Ticket) -> str:
        return self.say("Ticket #{id} is open again; an agent will be with you soon.", id=ticket.id)

    def reply_to_finished(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is {status}, so this reply won't reach an agent. Please post a new"
            " message in the support channel to open a new ticket.",
            id=ticket.id,
            status=self.status_name(ticket.status),
        )

    def already_a_ticket(self, ticket: Ticket) -> str:
        return self.say("That message is already ticket #{id}.", id=ticket.id)

    # -- lifecycle ---------------------------------------------------------------------------

    def finished_ticket(self, ticket: Ticket, action: Refused) -> str:
        """Refuse `action` on a resolved or closed ticket, saying how to go on."""
        values = {"id": ticket.id, "status": self.status_name(ticket.status)}
        sentences: dict[Refused, str] = {
            "claim": N_(
                "Ticket #{id} is {status}, so it can't be claimed. Reopen it first with"
                " /ticket reopen {id}."
            ),
            "unclaim": N_(
                "Ticket #{id} is {status}, so it can't be unclaimed. Reopen it first with"
                " /ticket reopen {id}."
            ),
            "assign": N_(
                "Ticket #{id} is {status}, so it can't be assigned. Reopen it first with"
                " /ticket reopen {id}."
            ),
            "priority": N_(
                "Ticket #{id} is {status}, so it can't be reprioritised. Reopen it first with"
                " /ticket reopen {id}."
            ),
            "wait": N_(
                "Ticket #{id} is {status}, so it can't be put on hold. Reopen it first with"
                " /ticket reopen {id}."
            ),
            "resolve": N_(
                "Ticket #{id} is {status}, so it can't be resolved. Reopen it first with"
                " /ticket reopen {id}."
            ),
        }
        return self.say(sentences[action], **values)

    def already_yours(self, ticket: Ticket) -> str:
        return self.say("You already hold ticket #{id}.", id=ticket.id)

    def claimed_by_other(self, ticket: Ticket, *, reassigning: bool = False) -> str:
        name = self.holder(ticket)
        if reassigning:
            return self.say(
                "Ticket #{id} is held by {name}; only {name} or a lead can reassign it.",
                id=ticket.id,
                name=name,
            )
        return self.say(
            "Ticket #{id} is already claimed by {name}. A lead can take it over with"
            " /ticket claim {id} --force.",
            id=ticket.id,
            name=name,
        )

    def not_claimed(self, ticket: Ticket) -> str:
        return self.say("Ticket #{id} isn't claimed by anyone.", id=ticket.id)

    def only_holder_or_lead_unclaims(self, ticket: Ticket) -> str:
        return self.say(
            "Only {name} or a lead can unclaim ticket #{id}.",
            name=self.holder(ticket),
            id=ticket.id,
        )

    def already_assigned(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is already assigned to {name}.", id=ticket.id, name=self.holder(ticket)
        )

    def priority_unchanged(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is already {priority} priority.",
            id=ticket.id,
            priority=self.priority_name(ticket.priority),
        )

    def already_status(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is already {status}.",
            id=ticket.id,
            status=self.status_name(ticket.status),
        )

    def resolve_before_closing(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is {status}; resolve it before closing it (/ticket resolve {id}).",
            id=ticket.id,
            status=self.status_name(ticket.status),
        )

    def only_finished_reopen(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is {status}; only resolved or closed tickets can be reopened.",
            id=ticket.id,
            status=self.status_name(ticket.status),
        )

    def no_such_ticket(self, ticket_id: int) -> str:
        return self.say("No ticket #{id} in this workspace.", id=ticket_id)

    # -- commands: answers to the actor ------------------------------------------------------

    def claimed(self, ticket: Ticket, took_from: str | None) -> str:
        if took_from:
            return self.say(
                "You claimed {ticket} (taken over from {name}).",
                ticket=ticket_ref(ticket),
                name=quote(took_from),
            )
        return self.say("You claimed {ticket}.", ticket=ticket_ref(ticket))

    def unclaimed(self, ticket: Ticket) -> str:
        return self.say("Ticket #{id} is back in the queue.", id=ticket.id)

    def assigned(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is now assigned to {name}.", id=ticket.id, name=self.holder(ticket)
        )

    def prioritised(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is now {priority} priority.",
            id=ticket.id,
            priority=self.priority_name(ticket.priority),
        )

    def noted(self, ticket: Ticket) -> str:
        return self.say(
            "Internal note added to ticket #{id} (customers don't see it).", id=ticket.id
        )

    def waiting(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is waiting on the customer; their next reply resumes it.", id=ticket.id
        )

    def resolved(self, ticket: Ticket) -> str:
        return self.say("Ticket #{id} is resolved.", id=ticket.id)

    def closed(self, ticket: Ticket) -> str:
        return self.say("Ticket #{id} is closed.", id=ticket.id)

    def reopened(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is open again ({status}).",
            id=ticket.id,
            status=self.status_name(ticket.status),
        )

    def not_an_agent(self, name: str) -> str:
        return self.say(
            "{name} is not an agent; only agents and leads can hold tickets.", name=quote(name)
        )

    def agents_only(self, verb: str) -> str:
        return self.say("/ticket {verb} is for agents.", verb=verb)

    def leads_only(self, verb: str) -> str:
        return self.say("/ticket {verb} is for leads.", verb=verb)

    def customers_reopen_resolved_only(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is {status}; please post a new message in the support channel to"
            " open a new ticket.",
            id=ticket.id,
            status=self.status_name(ticket.status),
        )

    def force_needs_lead(self) -> str:
        return self.say("Only a lead can use --force.")

    # -- what was wrong with a command's words -------------------------------------------------

    def usage(self, line: str, problem: str = "") -> str:
        if problem:
            return self.say("{problem} Usage: /ticket {line}", problem=problem, line=line)
        return self.say("Usage: /ticket {line}", line=line)

    def not_a_ticket_number(self, word: str) -> str:
        return self.say("'{word}' isn't a ticket number.", word=shown(word))

    def which_ticket(self) -> str:
        return self.say("Which ticket?")

    def who(self) -> str:
        return self.say("Who?")

    def mention_the_person(self) -> str:
        return self.say("Mention the person, like @name.")

    def which_priority(self, choices: str) -> str:
        return self.say("Which priority ({choices})?", choices=choices)

    def priority_must_be(self, choices: str) -> str:
        return self.say("Priority must be one of {choices}.", choices=choices)

    def empty_note(self) -> str:
        return self.say("The note is empty.")

    def not_understood(self, words: str) -> str:
        return self.say("I didn't understand '{words}'.", words=shown(words))

    def cannot_filter_by(self, word: str) -> str:
        return self.say("I can't filter by '{word}'.", word=shown(word))

    def unknown_verb(self, verb: str) -> str:
        return self.say(
            "I don't know /ticket {verb}. Try /ticket help.", verb=quote(shorten(verb, 40))
        )

    def help_heading(self) -> str:
        return self.say("/ticket commands (in a ticket's thread you can leave out the id):")

    # -- thread notes: what the customer sees --------------------------------------------------

    def picked_up(self, ticket: Ticket) -> str:
        return self.say(
            "{name} has picked up ticket #{id}.", name=self.holder(ticket), id=ticket.id
        )

    def resolved_note(self, ticket: Ticket, by: str, text: str, reopen_window: timedelta) -> str:
        window = duration(reopen_window)
        if text:
            return self.say(
                "Ticket #{id} was resolved by {name}: {summary}\nNot fixed? Reply in this thread"
                " within {window} to reopen it.",
                id=ticket.id,
                name=quote(by),
                summary=quote(text),
                window=window,
            )
        return self.say(
            "Ticket #{id} was resolved by {name}.\nNot fixed? Reply in this thread within"
            " {window} to reopen it.",
            id=ticket.id,
            name=quote(by),
            window=window,
        )

    def closed_note(self, ticket: Ticket) -> str:
        return self.say("Ticket #{id} is closed. Thanks for reaching out!", id=ticket.id)

    def reopened_note(self, ticket: Ticket) -> str:
        return self.say("Ticket #{id} is open again.", id=ticket.id)

    # -- reminders and escalations -----------------------------------------------------------

    def unclaimed_reminder(self, ticket: Ticket, waited: timedelta) -> str:
        return self.say(
            "Ticket {ticket} ({priority}) has waited {waited} with nobody on it. Claim it with"
            " /ticket claim {id}.",
            ticket=ticket_ref(ticket),
            priority=self.priority_name(ticket.priority),
            waited=duration(waited),
            id=ticket.id,
        )

    def breach_warning(self, ticket: Ticket, kind: ClockKind, due: datetime, zone: ZoneInfo) -> str:
        return self.say(
            "Ticket {ticket} will break its {promise} promise at {due}.",
            ticket=ticket_ref(ticket),
            promise=self.clock_name(kind),
            due=self.when(due, zone),
        )

    def breached(
        self, ticket: Ticket, kind: ClockKind, due: datetime, zone: ZoneInfo, round_: int
    ) -> str:
        values = {
            "ticket": ticket_ref(ticket),
            "promise": self.clock_name(kind),
            "due": self.when(due, zone),
            "priority": self.priority_name(ticket.priority),
            "holder": self.assignee_phrase(ticket),
        }
        if round_:
            return self.say(
                "Ticket {ticket} broke its {promise} promise (still): it was due {due}."
                " Priority {priority}, {holder}.",
                **values,
            )
        return self.say(
            "Ticket {ticket} broke its {promise} promise: it was due {due}. Priority {priority},"
            " {holder}.",
            **values,
        )

    def idle_nudge(self, ticket: Ticket, idle: timedelta) -> str:
        return self.say(
            "You hold ticket {ticket} and nothing has happened on it for {idle}.",
            ticket=ticket_ref(ticket),
            idle=duration(idle),
        )

    def customer_nudge(self, ticket: Ticket) -> str:
        return self.say(
            "Hi {name}, we're waiting for your reply on ticket #{id}. Just answer in this thread"
            " when you can.",
            name=quote(ticket.customer.name),
            id=ticket.id,
        )

    def auto_resolved(self, ticket: Ticket, reopen_window: timedelta) -> str:
        return self.say(
            "Ticket #{id} was resolved because we haven't heard back. Still need help? Reply in"
            " this thread within {window} to reopen it.",
            id=ticket.id,
            window=duration(reopen_window),
        )

    # -- chat surfaces: what buttons say, and the answer when something breaks ---------------

    def action_label(self, action: str) -> str:
        """The label of a triage card's button for one of `notices.card_actions`."""
        label = _ACTION_LABELS.get(action)
        return self.gettext(label) if label else action.capitalize()

    def button_label(self, action: Action) -> str:
        """The label of a notice's button: its own, or its verb's."""
        return action.label or self.action_label(action.verb)

    def priority_placeholder(self) -> str:
        return self.say("Set priority…")

    def open_thread_label(self) -> str:
        return self.say("Open thread")

    def repeated_command(self) -> str:
        return self.say("That /ticket command was run already; it was not run again.")

    def unexpected_failure(self) -> str:
        return self.say("Something went wrong on deskbot's side. Please try again in a moment.")
