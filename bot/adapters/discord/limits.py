"""Discord's size limits, and fitting the desk's text into them."""

from __future__ import annotations

from handlers import texts

MAX_CONTENT = 2000  # characters in a message's content
MAX_THREAD_NAME = 100  # characters in a thread's name


def thread_name(title: str) -> str:
    return texts.shorten(title.strip(), MAX_THREAD_NAME) or "ticket"


def chunks(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """Split `text` into messages Discord accepts, at line breaks where a line fits."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if len(current) + len(line) > limit and current:
            parts.append(current)
            current = ""
        while len(line) > limit:
            parts.append(line[:limit])
            line = line[limit:]
        current += line
    parts.append(current)
    cleaned = [part.rstrip("\n") for part in parts]
    # Discord refuses an empty message; the desk never means to send one.
    return [part for part in cleaned if part.strip()] or ["…"]
