"""Compute a member's permissions in a channel the way Discord's permissions topic describes."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from .payloads import Payload


class Permission(enum.IntFlag):
    """The permission bits the fake checks (Discord: permissions › bitwise permission flags)."""

    ADMINISTRATOR = 1 << 3
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38


ALL_PERMISSIONS = (1 << 51) - 1

EVERYONE_DEFAULT = (
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.SEND_MESSAGES_IN_THREADS
    | Permission.CREATE_PUBLIC_THREADS
    | Permission.ADD_REACTIONS
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.USE_APPLICATION_COMMANDS
)

BOT_DEFAULT = EVERYONE_DEFAULT | Permission.MANAGE_MESSAGES | Permission.MANAGE_THREADS

_ROLE = 0
_MEMBER = 1


def base_permissions(roles: Iterable[Payload], member_role_ids: set[str], guild_id: str) -> int:
    """OR the @everyone role with the member's roles; administrators get everything."""
    total = 0
    for role in roles:
        if role["id"] == guild_id or role["id"] in member_role_ids:
            total |= int(role["permissions"])
    return ALL_PERMISSIONS if total & Permission.ADMINISTRATOR else total


def apply_overwrites(
    base: int,
    overwrites: Iterable[Payload],
    member_id: str,
    member_role_ids: set[str],
    guild_id: str,
) -> int:
    """Apply @everyone, then role, then member overwrites, in Discord's order."""
    if base & Permission.ADMINISTRATOR:
        return base
    overwrites = list(overwrites)
    everyone = [o for o in overwrites if o["id"] == guild_id]
    roles = [o for o in overwrites if o["type"] == _ROLE and o["id"] in member_role_ids]
    members = [o for o in overwrites if o["type"] == _MEMBER and o["id"] == member_id]
    for group in (everyone, roles, members):
        base = _apply_group(base, group)
    return base


def _apply_group(base: int, group: list[Payload]) -> int:
    deny = allow = 0
    for item in group:
        deny |= int(item["deny"])
        allow |= int(item["allow"])
    return (base & ~deny) | allow
