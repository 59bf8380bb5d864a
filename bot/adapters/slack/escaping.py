"""Slack's mrkdwn and its limits: escape what could ping, fit what could be refused.

Slack reads `<!channel>`, `<!here>`, `<!subteam^S…>` and `<@U…>` in message text as live
mentions. Everything the desk says is plain text, so `&`, `<` and `>` are escaped in all of
it; the only live mentions are the ones a notice asks for, added by the adapter itself.
"""

from __future__ import annotations

import re

from handlers import texts
from handlers.models import Mention

# Slack's documented limits for what deskbot renders.
MESSAGE_TEXT = 40_000
SECTION_TEXT = 3_000
FIELD_TEXT = 2_000
CONTEXT_TEXT = 3_000
HEADER_TEXT = 150
BUTTON_TEXT = 75
OPTION_TEXT = 75
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
VIEW_TITLE = 24  # a modal's title, submit and close labels
INPUT_LABEL = 2_000  # an input block's label and hint
TEXT_INPUT = 3_000  # what a plain_text_input takes at most

DEFAULT_COMMAND = "/ticket"
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,4}$")
_COMMAND = re.compile(r"(?<![\w/])/ticket\b")


def escape(text: str) -> str:
    """Escape the three characters mrkdwn gives meaning to, so nothing in `text` is live."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(escaped: str, limit: int) -> str:
    """Cut already-escaped text to `limit` characters without splitting an `&amp;`."""
    if len(escaped) <= limit:
        return escaped
    cut = _PARTIAL_ENTITY.sub("", escaped[: limit - 1]).rstrip()
    return cut + "…"


def mrkdwn(text: str, limit: int = MESSAGE_TEXT) -> str:
    """Plain text as safe mrkdwn of at most `limit` characters."""
    return fit(escape(text), limit)


def plain(text: str, limit: int) -> str:
    """Plain text for a `plain_text` object (never parsed for mentions), cut to `limit`."""
    return texts.shorten(text, limit) if text else "-"


def mention(mention: Mention) -> str:
    """The live markup for a mention a notice asks for."""
    if mention.kind == "group":
        return f"<!subteam^{mention.id}>"
    return f"<@{mention.id}>"


def link(url: str, label: str) -> str:
    """A mrkdwn link; `label` is plain text, the URL is kept from closing the link early."""
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe_url}|{escape(label)}>"


def named_command(text: str, command: str) -> str:
    """Show the desk's `/ticket` as the slash command this workspace configured."""
    return text if command == DEFAULT_COMMAND else _COMMAND.sub(command, text)
