"""Every sentence the desk says to people, in one place to read, test, change and translate.

`Texts` speaks one language: each sentence is a whole gettext message with named
placeholders (`say("Ticket #{id} is closed.", id=…)`), so a translator sees the sentence, not
fragments. `texts_in(locale)` gives the desk's texts in a shipped language;
`handlers/language.py` reads the catalogs. The sentences are grouped by what they are about,
one module each (`tickets`, `reading`, `replies`, `satisfaction`, `knowledge`, `web`, `direct`), on
the shared words and machinery of `words`.
"""

from __future__ import annotations

from functools import cache

from handlers.language import language
from handlers.texts.direct import DirectTexts
from handlers.texts.incidents import IncidentTexts
from handlers.texts.knowledge import KnowledgeTexts
from handlers.texts.privacy import PrivacyTexts
from handlers.texts.reading import ReadingTexts
from handlers.texts.replies import ReplyTexts
from handlers.texts.satisfaction import SatisfactionTexts
from handlers.texts.tickets import TicketTexts
from handlers.texts.web import WebTexts
from handlers.texts.words import (
    N_,
    SUBJECT_LIMIT,
    ZERO_WIDTH_SPACE,
    Refused,
    business_time,
    duration,
    quote,
    score_text,
    shorten,
    subject_of,
    ticket_ref,
)

__all__ = [
    "ENGLISH",
    "N_",
    "SUBJECT_LIMIT",
    "ZERO_WIDTH_SPACE",
    "Refused",
    "Texts",
    "business_time",
    "duration",
    "quote",
    "score_text",
    "shorten",
    "subject_of",
    "texts_in",
    "ticket_ref",
]


class Texts(
    TicketTexts,
    ReadingTexts,
    ReplyTexts,
    SatisfactionTexts,
    KnowledgeTexts,
    WebTexts,
    DirectTexts,
    PrivacyTexts,
    IncidentTexts,
):
    """The desk's sentences in one language."""


@cache
def texts_in(locale: str) -> Texts:
    """The desk's texts in a shipped locale (`en`, `zh_CN`)."""
    return Texts(language(locale))


ENGLISH = texts_in("en")
