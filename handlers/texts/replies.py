"""`/ticket reply` and the saved replies."""

from __future__ import annotations

from handlers.models import (
    Snippet,
    Ticket,
)
from handlers.texts.words import (
    Speaking,
    quote,
    shorten,
    shown,
    subject_of,
)


class ReplyTexts(Speaking):
    """`/ticket reply` and the saved replies."""

    # -- saved replies and /ticket reply ---------------------------------------------------

    def agent_reply(self, agent: str, text: str) -> str:
        """An agent's answer as the bot posts it in the ticket's thread: `bob: …`."""
        return self.say("{agent}: {text}", agent=quote(agent), text=quote(text))

    def replied(self, ticket: Ticket) -> str:
        return self.say("Your reply is posted in ticket #{id}'s thread.", id=ticket.id)

    def replied_with(self, ticket: Ticket, name: str) -> str:
        return self.say(
            "The saved reply '{name}' is posted in ticket #{id}'s thread.", name=name, id=ticket.id
        )

    def empty_reply(self) -> str:
        return self.say("The reply is empty.")

    def reply_to_closed(self, ticket: Ticket) -> str:
        return self.say(
            "Ticket #{id} is closed, so its customer won't see a reply. Reopen it first with"
            " /ticket reopen {id}.",
            id=ticket.id,
        )

    def as_soon_as_possible(self) -> str:
        """What `{due}` says in a saved reply when the ticket has no first-response promise."""
        return self.say("as soon as possible")

    def no_such_snippet(self, name: str) -> str:
        return self.say(
            "There is no saved reply '{name}'. /ticket snippet list shows them.",
            name=shown(name),
        )

    def snippet_actions(self) -> str:
        return self.say("Say what to do: add, list, show or remove.")

    def which_snippet(self) -> str:
        return self.say("Which saved reply?")

    def bad_snippet_name(self, name: str) -> str:
        return self.say(
            "'{name}' can't name a saved reply: use up to 32 lowercase letters, digits, - and _.",
            name=shown(name),
        )

    def empty_snippet(self) -> str:
        return self.say("The saved reply has no text.")

    def snippet_too_long(self, length: int, limit: int) -> str:
        return self.say(
            "That saved reply is too long ({length} characters; the limit is {limit}).",
            length=self.number(length),
            limit=self.number(limit),
        )

    def snippet_braces(self) -> str:
        return self.say(
            "A brace in that text opens no placeholder. Write a placeholder as {{customer}},"
            " and a brace itself as {{{{ or }}}}."
        )

    def unknown_placeholders(self, found: str, known: tuple[str, ...]) -> str:
        return self.say(
            "A saved reply can't fill {found}; it may use {known}.",
            found=quote(shorten(found, 80)),
            known=", ".join("{" + name + "}" for name in known),
        )

    def snippet_exists(self, name: str) -> str:
        return self.say(
            "There is a saved reply '{name}' already; remove it first or choose another name.",
            name=name,
        )

    def snippet_added(self, name: str) -> str:
        return self.say(
            "Saved reply '{name}' added. Use it with /ticket reply <id> :{name}.", name=name
        )

    def snippet_removed(self, name: str) -> str:
        return self.say("Saved reply '{name}' removed.", name=name)

    def snippet_not_yours(self, snippet: Snippet) -> str:
        return self.say(
            "Only {author} or a lead can remove the saved reply '{name}'.",
            author=quote(snippet.author.name),
            name=snippet.name,
        )

    def snippet_list(self, snippets: list[Snippet]) -> str:
        if not snippets:
            return self.say("No saved replies yet. Add one with /ticket snippet add <name> <text>.")
        lines = [self.say_plural("{n} saved reply:", "{n} saved replies:", len(snippets))]
        for snippet in snippets:
            uses = self.say_plural("used {n} time", "used {n} times", snippet.uses)
            line = f":{snippet.name} · {uses} · {quote(shorten(subject_of(snippet.text), 60))}"
            lines.append(line)
        return "\n".join(lines)

    def snippet_shown(self, snippet: Snippet) -> str:
        heading = self.say(
            ":{name} by {author}, used {uses}:",
            name=snippet.name,
            author=quote(snippet.author.name),
            uses=self.say_plural("{n} time", "{n} times", snippet.uses),
        )
        return f"{heading}\n{quote(snippet.text)}"
