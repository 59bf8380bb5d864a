"""The web view's sentences in chat: `/ticket web` and links to a ticket's page."""

from __future__ import annotations

from handlers.texts.words import (
    Speaking,
)


class WebTexts(Speaking):
    """The web view's sentences in chat: `/ticket web` and links to a ticket's page."""

    # -- the web view (`/ticket web`, links to a ticket's page) -----------------------------

    def web_link(self, url: str, minutes: int) -> str:
        return self.say(
            "Your personal sign-in link to the web view (valid for {minutes} minutes, once;"
            " don't share it): {url}",
            minutes=minutes,
            url=url,
        )

    def web_off(self) -> str:
        return self.say("The web view is not switched on for this desk.")

    def web_links_used_up(self, minutes: int) -> str:
        return self.say(
            "You asked for several sign-in links just now; try again in {minutes} minutes.",
            minutes=minutes,
        )

    def web_page(self, url: str) -> str:
        return self.say("On the web: {url}", url=url)

    def web_page_label(self) -> str:
        return self.say("Open on the web")
