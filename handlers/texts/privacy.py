"""Privacy: what retention did, and forgetting a person from chat."""

from __future__ import annotations

from handlers.personal import Forgotten
from handlers.texts.words import Speaking, quote


class PrivacyTexts(Speaking):
    """Retention in the digest; the leads' `/ticket forget`."""

    def retention_done(self, messages: int, events: int, keys: int) -> str:
        return self.say(
            "Retention: the text of {messages} message(s) and {events} audit event(s) of"
            " long-closed tickets redacted, {keys} old dedupe key(s) forgotten.",
            messages=self.number(messages),
            events=self.number(events),
            keys=self.number(keys),
        )

    def people_forgotten(self, count: int) -> str:
        return self.say_plural(
            "{n} person forgotten on request.", "{n} people forgotten on request.", count
        )

    def forget_preview(self, name: str, done: Forgotten, confirm: str) -> str:
        """What forgetting a person would change, and how to go ahead."""
        return self.say(
            "Forgetting {name} would replace {rows} value(s) about them, in {tickets}"
            " ticket(s) they opened and wherever else they appear, with a pseudonym, and"
            " drop {notices} queued notice(s) for them. The tickets and every figure stay."
            " To go ahead: {confirm}",
            name=quote(name),
            rows=self.number(done.rows),
            tickets=self.number(done.tickets),
            notices=self.number(done.notices_dropped),
            confirm=confirm,
        )

    def forgotten(self, done: Forgotten) -> str:
        return self.say(
            "Forgotten: {rows} value(s) now read {pseudonym}, {notices} queued notice(s)"
            " dropped (redaction {redaction}). Older backups still hold them.",
            rows=self.number(done.rows),
            pseudonym=done.pseudonym,
            notices=self.number(done.notices_dropped),
            redaction=done.redaction,
        )

    def nothing_to_forget(self, name: str) -> str:
        return self.say("Nothing is stored about {name}.", name=quote(name))
