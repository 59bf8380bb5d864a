"""The web view's templates: Jinja2, autoescaped, every visible sentence through gettext.

Translations are installed in exactly one place, `Templates.__init__`: the desk's language
(`bot/web/server.py` passes the catalog of its `locale`), English as written by default. The
templates' texts are extracted into the desk's catalogs with its chat texts
(`python -m handlers.language`).
"""

from __future__ import annotations

import gettext
from importlib import resources
from typing import Any

import jinja2

PACKAGE = "bot.web"


class Templates:
    """Render the web view's pages; text from people is escaped, never trusted as markup."""

    def __init__(self, translations: gettext.NullTranslations | None = None) -> None:
        folder = resources.files(PACKAGE).joinpath("templates")
        self.environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)),
            autoescape=True,  # every template, whatever its name: pages carry customers' text
            extensions=["jinja2.ext.i18n"],
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # The one place the texts' language is chosen.
        self.environment.install_gettext_translations(  # type: ignore[attr-defined]
            translations or gettext.NullTranslations(), newstyle=True
        )

    def render(self, name: str, **values: Any) -> str:
        return self.environment.get_template(name).render(**values)
