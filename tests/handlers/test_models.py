"""The values adapters build for the core: whatever a platform sent, they can be stored."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from handlers.models import Attachment, Command, Inbound, InboundKind, Person, Place, storable

HALF = "\ud83d"  # the first half of 😀 on its own, as `"\ud83d"` in JSON
FIXED = "\ufffd"
SPOT = Place("slack:T1", "C1")
ANA = Person("slack", "U1", "Ana")


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        (f"half {HALF} emoji", f"half {FIXED} emoji"),
        ("\ud83d\ude00 joined", "😀 joined"),
        (f"{HALF}\ude00{HALF}", f"😀{FIXED}"),
        ("\ude00 low half first", f"{FIXED} low half first"),
        ("plain, and ünïcode 🔥", "plain, and ünïcode 🔥"),
    ],
    ids=["lone high half", "split pair", "pair then half", "lone low half", "clean"],
)
def test_storable_replaces_only_what_cannot_be_encoded(text: str, stored: str) -> None:
    """Lone surrogates become U+FFFD, a pair becomes its emoji; other text is kept as is."""
    assert storable(text) == stored
    assert storable(text).encode("utf-8")


BUILT: dict[str, tuple[Callable[[str], object], str]] = {
    "message text": (lambda t: Inbound(InboundKind.POSTED, "k", SPOT, "1", ANA, t), "text"),
    "edit text": (lambda t: Inbound(InboundKind.EDITED, "k", SPOT, "1", ANA, t), "text"),
    "command text": (lambda t: Command(ANA, SPOT, f"note 1 {t}"), "text"),
    "person name": (lambda t: Person("slack", "U1", t), "name"),
    "attachment name": (lambda t: Attachment(t, "https://files/1"), "name"),
    "channel": (lambda t: Place("slack:T1", t), "channel"),
}


@pytest.mark.parametrize(("build", "field"), BUILT.values(), ids=BUILT.keys())
def test_values_from_platforms_are_storable_as_built(
    build: Callable[[str], object], field: str
) -> None:
    """No adapter has to remember: each value the core takes in is storable once built."""
    value = str(getattr(build(f"x{HALF}"), field))
    assert FIXED in value and HALF not in value
