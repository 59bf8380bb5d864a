"""The Discord platform, on the unmodified discord.py.

- `adapter`: the client and its wiring (`DiscordAdapter`, also the outbox's sender)
- `inbound`: messages, people and places → the core's values
- `intake`: messages → `desk.receive`, in order per channel, with catch-up cursors
- `reactions`: 🎫 opens a ticket from any message, 👀 claims, ✅ resolves
- `catchup`: on (re)connect, read what was posted while the bot was away
- `revisions`: then find the edits and deletions made meanwhile in open tickets
- `members`: message authors' roles, when Discord sends a message without them
- `outbound`: notices → messages, threads and cards (`DiscordSender`)
- `commands`: `/ticket <verb>` generated from the core's verbs
- `views`: the triage card's persistent buttons and priority menu
- `replies`: run a command for an interaction and answer privately, deferring when slow
- `startup`: channel access checks; `invite`: the OAuth2 invite URL
- `endpoints`: point discord.py at `discord.api_url` / `discord.gateway_url`
"""

from bot.adapters.discord.adapter import ClientOptions, DiscordAdapter, DiscordStartError

__all__ = ["ClientOptions", "DiscordAdapter", "DiscordStartError"]
