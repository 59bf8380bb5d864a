"""The languages the desk speaks: one gettext catalog per language, and Babel's local formats.

English is the source language: the sentences in the code are the English texts, so English
needs no catalog. Every other language is a `.po` catalog under `handlers/locales/`, read
once when first asked for (Babel compiles it in memory, so there is no build step and no
compiled file to forget). `python -m handlers.language` rewrites the template and merges it
into each catalog after texts change; a test fails until every text is translated.
"""

from __future__ import annotations

import gettext
import io
import sys
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

SOURCE = "en"
DOMAIN = "deskbot"
LOCALES = Path(__file__).parent / "locales"
TEMPLATE = LOCALES / f"{DOMAIN}.pot"

# Where texts are written and how they are marked, for extraction: `say(msgid, …)`,
# `say_plural(singular, plural, n, …)`, `N_(msgid)` for a text translated later.
SOURCES = ("handlers", "bot")
KEYWORDS = {"say": (1,), "say_plural": (1, 2), "N_": (1,), "pgettext": ((1, "c"), 2)}


class UnknownLanguage(ValueError):
    """A locale deskbot has no catalog for."""

    def __init__(self, name: str) -> None:
        choices = ", ".join(shipped())
        super().__init__(f"deskbot does not speak {name!r}; choose one of {choices}.")
        self.name = name


def catalog_path(name: str) -> Path:
    return LOCALES / name / "LC_MESSAGES" / f"{DOMAIN}.po"


def shipped() -> tuple[str, ...]:
    """The locales deskbot speaks: English and every language with a catalog."""
    found = sorted(path.parent.parent.name for path in LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE, *found)


def normalise(name: str) -> str:
    """The shipped locale a config value means (`zh-CN`, `zh_cn` → `zh_CN`), or raise."""
    wanted = name.strip().replace("-", "_").lower()
    for locale in shipped():
        if locale.lower() == wanted:
            return locale
    raise UnknownLanguage(name)


@dataclass(frozen=True, eq=False)
class Language:
    """One locale: its translated texts, plural rules and formats for numbers and dates."""

    name: str
    locale: Locale
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self.translations.pgettext(context, message)

    def number(self, value: float) -> str:
        """A number with this language's grouping: `12,345`."""
        return format_decimal(value, locale=self.locale)

    def moment(self, local: datetime, pattern: str) -> str:
        """A local time in a CLDR pattern such as `EEE dd MMM HH:mm`, in this language."""
        return format_datetime(local, pattern, locale=self.locale)


@cache
def language(name: str = SOURCE) -> Language:
    """The language called `name` (a shipped locale); read its catalog the first time."""
    name = normalise(name)
    if name == SOURCE:
        return Language(name, Locale.parse(name), gettext.NullTranslations())
    return Language(name, Locale.parse(name), _compiled(read_catalog(name)))


def read_catalog(name: str) -> Catalog:
    with catalog_path(name).open("rb") as source:
        return read_po(source, locale=name, domain=DOMAIN)


def _compiled(catalog: Catalog) -> gettext.GNUTranslations:
    # gettext reads only compiled catalogs; compiling in memory keeps the .po the one truth.
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def extract(root: Path) -> Catalog:
    """Every text marked for translation under the source folders of `root`."""
    from babel.messages.extract import extract_from_dir

    template = Catalog(project="deskbot", domain=DOMAIN, charset="utf-8")
    for folder in SOURCES:
        found = extract_from_dir(
            root / folder,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("Translators:",),
            strip_comment_tags=True,
        )
        for filename, line, message, comments, context in found:
            where = (f"{folder}/{filename}", line)
            template.add(message, locations=[where], auto_comments=comments, context=context)
    return template


def update(root: Path) -> None:
    """Rewrite the template from the code and merge it into every catalog."""
    from babel.messages.pofile import write_po

    template = extract(root)
    with TEMPLATE.open("wb") as out:
        write_po(out, template, width=100, sort_output=True, omit_header=False)
    for name in shipped()[1:]:
        catalog = read_catalog(name)
        catalog.update(template, no_fuzzy_matching=True)
        with catalog_path(name).open("wb") as out:
            write_po(out, catalog, width=100, sort_output=True, ignore_obsolete=True)


if __name__ == "__main__":
    update(Path(sys.argv[1]) if len(sys.argv) > 1 else LOCALES.parent.parent)
