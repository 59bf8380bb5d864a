"""What the desk learnt: similar tickets, search, answers that helped others."""

from __future__ import annotations

from datetime import timedelta

from handlers.models import (
    Similar,
    Ticket,
)
from handlers.texts.words import (
    Speaking,
    duration,
    quote,
    shorten,
    shown,
)


class KnowledgeTexts(Speaking):
    """What the desk learnt: similar tickets, search, answers that helped others."""

    # -- knowledge: similar tickets, search, answers that helped others ---------------------

    def similar_heading(self) -> str:
        return self.say("Solved before:")

    def similar_line(self, similar: Similar) -> str:
        """One similar resolved ticket: number, subject, how it was resolved, and its link."""
        if similar.resolution.strip():
            line = self.say(
                "#{id} {subject} — resolved: {resolution}",
                id=similar.ticket_id,
                subject=quote(similar.subject),
                resolution=quote(shorten(" ".join(similar.resolution.split()), 120)),
            )
        else:
            line = self.say(
                "#{id} {subject} — resolved without a note",
                id=similar.ticket_id,
                subject=quote(similar.subject),
            )
        return f"{line} {similar.permalink}" if similar.permalink else line

    def similar_list(self, ticket: Ticket, lines: list[str]) -> str:
        if not lines:
            return self.say("No resolved ticket is like #{id} yet.", id=ticket.id)
        heading = self.say("Resolved tickets like #{id}:", id=ticket.id)
        return "\n".join([heading, *lines])

    def search_results(self, words: str, tickets: list[Ticket]) -> str:
        if not tickets:
            return self.say("No ticket matches “{words}”.", words=shown(words))
        heading = self.say_plural(
            "{n} ticket matches “{words}”, best first:",
            "{n} tickets match “{words}”, best first:",
            len(tickets),
            words=shown(words),
        )
        return "\n".join([heading, *(self.ticket_line(ticket) for ticket in tickets)])

    def search_for_what(self) -> str:
        return self.say("Write the words to search for.")

    def bad_search_filter(self, word: str) -> str:
        return self.say(
            "Cannot filter by “{word}”: use status:<status|active|solved|all>,"
            " customer:@person, or since:7d (or since:YYYY-MM-DD).",
            word=shown(word),
        )

    def helped_others(self) -> str:
        return self.say("While you wait, these answers helped others:")

    def press_solved(self) -> str:
        return self.say(
            "If one of them solves your problem, press “This solved it” (or /ticket solved)."
        )

    def only_customer_solves(self, ticket: Ticket) -> str:
        return self.say(
            "Only the person who asked can mark ticket #{id} solved by an answer.", id=ticket.id
        )

    def deflected(self, ticket: Ticket) -> str:
        return self.say("Glad that helped! Ticket #{id} is resolved.", id=ticket.id)

    def deflected_note(self, ticket: Ticket, reopen_window: timedelta) -> str:
        return self.say(
            "Ticket #{id} was solved by an answer that helped others.\nNot fixed after all?"
            " Reply in this thread within {window} to reopen it.",
            id=ticket.id,
            window=duration(reopen_window),
        )

    def recurring_heading(self) -> str:
        return self.say("Recurring problems:")

    def recurring(self, count: int, about: str) -> str:
        return self.say_plural(
            "{n} ticket about “{about}”",
            "{n} tickets about “{about}”",
            count,
            about=quote(shorten(about, 80)),
        )

    def deflections(self, count: int) -> str:
        return self.say_plural(
            "{n} ticket solved by an answer that helped others",
            "{n} tickets solved by an answer that helped others",
            count,
        )
