"""Forget a person, export what is stored about them, redact old text: the desk's side.

The store does the rewriting (`PrivacyTx`); this draws the pseudonym, runs it in one
transaction, asks the store to erase what it freed, and logs what was done without the
forgotten data.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from handlers.models import Person
from handlers.personal import Forgetting, Forgotten, Redacted, new_pseudonym
from handlers.ports import Sink, Store, Tx
from handlers.texts import Texts

log = logging.getLogger(__name__)


async def forget(
    store: Store, person_key: str, asked_by: str, now: datetime, *, dry_run: bool = False
) -> Forgotten:
    """Forget the person (or count what would change); who asked and when is recorded."""
    request = Forgetting(person_key, new_pseudonym(), asked_by, now, dry_run)
    if dry_run:
        return await store.read(lambda tx: tx.forget(request))
    done = await store.transact(lambda tx: tx.forget(request))
    remains = await store.erase_freed()
    log.info(
        "Forgot a person at %s's request (redaction %s): %d values in %d columns, as %s",
        asked_by,
        done.redaction,
        done.rows,
        len(done.changed),
        done.pseudonym,
    )
    if done.notices_dropped:
        log.info(
            "Dropped %d queued notice(s) for the forgotten person (%s): they were for"
            " someone the desk no longer knows",
            done.notices_dropped,
            done.pseudonym,
        )
    if remains:
        log.warning("After forgetting %s: %s", done.pseudonym, remains)
    return replace(done, remains=remains)


def forget_in_chat(
    tx: Tx, person: Person, lead: Person, now: datetime, texts: Texts, confirmed: bool
) -> str:
    """A lead's `/ticket forget`: what would change, or (confirmed) forget them now."""
    request = Forgetting(person.key, new_pseudonym(), lead.key, now, dry_run=not confirmed)
    done = tx.forget(request)
    if not done.changed:
        return texts.nothing_to_forget(person.name)
    if not confirmed:
        again = f"/ticket forget <@{person.id}> confirm"
        return texts.forget_preview(person.name, done, again)
    log.info(
        "Forgot a person at %s's request in chat (redaction %s): %d values, as %s;"
        " %d queued notice(s) for them dropped",
        lead.key,
        done.redaction,
        done.rows,
        done.pseudonym,
        done.notices_dropped,
    )
    return texts.forgotten(done)


async def export_person(store: Store, person_key: str, sink: Sink) -> int:
    """Hand `sink` every row stored about the person, in one consistent snapshot."""
    return await store.read(lambda tx: tx.export_person(person_key, sink))


async def redact_old(
    store: Store,
    messages: timedelta | None,
    audit_data: timedelta | None,
    now: datetime,
    pruned: int = 0,
) -> Redacted:
    """Redact the text of tickets closed longer ago than the retention settings allow.

    The run is recorded with `pruned` (the dedupe keys forgotten before it), for the digest.
    """
    messages_before = None if messages is None else now - messages
    audit_before = None if audit_data is None else now - audit_data
    done = await store.transact(
        lambda tx: tx.redact_closed(messages_before, audit_before, now, pruned)
    )
    if done.messages or done.events:
        # On PostgreSQL this says to VACUUM FULL: docs/privacy.md does, once, not daily.
        log.debug("After retention: %s", await store.erase_freed())
    return done
