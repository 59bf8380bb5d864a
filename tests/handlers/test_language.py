"""The catalogs: every text of the code is in the template, translated in every language."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from handlers import language
from handlers.language import UnknownLanguage, normalise, shipped

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = shipped()[1:]


def ids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


def placeholders(text: str) -> set[str]:
    """The named placeholders of a text: `{name}` as `str.format` reads them in the desk's
    texts, `%(name)s` as Jinja's newstyle gettext fills them in the web view's pages."""
    if "%(" in text:
        return set(re.findall(r"%\((\w+)\)s", text))
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def forms(message: Message) -> list[tuple[str, str]]:
    """(source, translation) pairs: one for a text, one per plural form for a plural."""
    if isinstance(message.id, tuple):
        singular, plural = message.id
        return [(plural if index else singular, text) for index, text in enumerate(message.string)]
    return [(str(message.id), str(message.string))]


def test_english_and_simplified_chinese_are_shipped() -> None:
    """The desk speaks English (the source) and Simplified Chinese."""
    assert shipped() == ("en", "zh_CN")


def test_the_template_holds_every_text_of_the_code() -> None:
    """`python -m handlers.language` was run after the texts last changed."""
    with language.TEMPLATE.open("rb") as template:
        assert ids(language.extract(ROOT)) == ids(read_po(template))


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_text_is_translated(locale: str) -> None:
    """Each catalog has every text of the template, none empty, none marked fuzzy."""
    catalog = language.read_catalog(locale)
    with language.TEMPLATE.open("rb") as template:
        assert ids(read_po(template)) <= ids(catalog)
    untranslated = [m.id for m in catalog if m.id and not all(text for _, text in forms(m))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert (untranslated, fuzzy) == ([], [])


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_the_placeholders(locale: str) -> None:
    """A translation names exactly the placeholders of its source, so none is lost or unknown."""
    catalog = language.read_catalog(locale)
    wrong = [
        (source, text)
        for message in catalog
        if message.id
        for source, text in forms(message)
        if placeholders(source) != placeholders(text)
    ]
    assert wrong == []


def test_placeholders_are_read_as_format_reads_them() -> None:
    """The check above sees a dropped or renamed placeholder."""
    assert placeholders("Ticket #{id} is {status}.") == {"id", "status"}
    assert placeholders("工单 #{id}") != placeholders("Ticket #{id} is {status}.")


@pytest.mark.parametrize(
    ("written", "meant"), [("zh_CN", "zh_CN"), ("zh-cn", "zh_CN"), ("EN", "en")]
)
def test_a_locale_is_read_whichever_way_it_is_written(written: str, meant: str) -> None:
    """`zh-CN`, `zh_cn` and `zh_CN` all mean the shipped Simplified Chinese."""
    assert normalise(written) == meant


def test_an_unshipped_locale_names_the_shipped_ones() -> None:
    """Asking for a language deskbot does not speak says which it does."""
    with pytest.raises(UnknownLanguage, match=r"does not speak 'fr'; choose one of en, zh_CN"):
        normalise("fr")
