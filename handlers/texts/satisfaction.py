"""Satisfaction surveys: the question, ratings, refusals and the leads' alert."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.models import (
    Scale,
    Survey,
    Ticket,
)
from handlers.texts.words import (
    Speaking,
    quote,
    score_text,
    shorten,
    ticket_ref,
)


class SatisfactionTexts(Speaking):
    """Satisfaction surveys: the question, ratings, refusals and the leads' alert."""

    # -- satisfaction --------------------------------------------------------------------------

    def survey_question(self, ticket: Ticket, scale: Scale) -> str:
        """The survey in the ticket's thread; the command works where there are no buttons."""
        if scale is Scale.THUMBS:
            return self.say(
                "How did we do on ticket #{id}, {name}? Rate it up or down:"
                " /ticket rate {id} up|down [comment]",
                id=ticket.id,
                name=quote(ticket.customer.name),
            )
        return self.say(
            "How did we do on ticket #{id}, {name}? Rate it from 1 (poor) to 5 (great):"
            " /ticket rate {id} <1-5> [comment]",
            id=ticket.id,
            name=quote(ticket.customer.name),
        )

    def survey_closed(self, ticket: Ticket, survey: Survey) -> str:
        if survey.score is None:
            return self.say("The survey for ticket #{id} is closed.", id=ticket.id)
        return self.say(
            "The survey for ticket #{id} is closed. You rated it {score}; thank you!",
            id=ticket.id,
            score=score_text(survey.scale, survey.score),
        )

    def rated(self, ticket: Ticket, survey: Survey, previous: int | None) -> str:
        assert survey.score is not None  # a rating was just recorded
        score = score_text(survey.scale, survey.score)
        if previous is not None and previous != survey.score:
            return self.say(
                "Your rating of ticket #{id} is now {score} (it was {previous}).",
                id=ticket.id,
                score=score,
                previous=score_text(survey.scale, previous),
            )
        if survey.comment:
            return self.say(
                "Thank you! You rated ticket #{id} {score}, with your comment.",
                id=ticket.id,
                score=score,
            )
        return self.say("Thank you! You rated ticket #{id} {score}.", id=ticket.id, score=score)

    def rating_unchanged(self, ticket: Ticket, survey: Survey) -> str:
        assert survey.score is not None  # only a rating can stay the same
        return self.say(
            "You rated ticket #{id} {score} already.",
            id=ticket.id,
            score=score_text(survey.scale, survey.score),
        )

    def only_the_customer_rates(self) -> str:
        return self.say("Only the person who asked can rate this.")

    def no_survey(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} has no survey to rate: a rating is asked for when a ticket is resolved.",
            id=ticket.id,
        )

    def survey_expired(self, ticket: Ticket, ended: datetime, zone: ZoneInfo) -> str:
        return self.say(
            "The survey for ticket #{id} closed on {when}; it takes no more ratings.",
            id=ticket.id,
            when=self.when(ended, zone),
        )

    def rate_how(self, ticket: Ticket, scale: Scale) -> str:
        if scale is Scale.THUMBS:
            return self.say(
                "Rate ticket #{id} up or down: /ticket rate {id} up|down [comment]", id=ticket.id
            )
        return self.say(
            "Rate ticket #{id} with a whole number from 1 to 5: /ticket rate {id} <1-5> [comment]",
            id=ticket.id,
        )

    def comment_title(self) -> str:
        """The title of the form that asks for a comment after a rating button (short)."""
        return self.say("Add a comment")

    def comment_label(self, ticket_id: int) -> str:
        """The comment field's label (short: platforms cut labels at about 45 characters)."""
        return self.say("Anything to add about ticket #{id}?", id=ticket_id)

    def comment_hint(self, limit: int) -> str:
        return self.say(
            "Optional, up to {limit} characters. Leave it empty to keep your rating as it is.",
            limit=limit,
        )

    def comment_send(self) -> str:
        return self.say("Send")

    def comment_skip(self) -> str:
        return self.say("Skip")

    def comment_close(self) -> str:
        return self.say("Close")

    def low_rating(self, ticket: Ticket, survey: Survey) -> str:
        """The leads' alert: a low rating, its comment, and where the conversation is."""
        assert survey.score is not None  # alerts are about ratings given
        values = {
            "ticket": ticket_ref(ticket),
            "score": score_text(survey.scale, survey.score),
            "name": quote(ticket.customer.name),
            "holder": self.holder(ticket),
        }
        if survey.comment:
            text = self.say(
                "Low rating: {name} rated {ticket} {score} (held by {holder}): {comment}",
                comment=quote(shorten(survey.comment, 500)),
                **values,
            )
        else:
            text = self.say(
                "Low rating: {name} rated {ticket} {score} (held by {holder}), without a comment.",
                **values,
            )
        return f"{text} {ticket.permalink}" if ticket.permalink else text
