"""Incidents: one problem, many tickets linked to it, one voice.

An incident (`INC-3`) is declared by an agent or lead, linked to the tickets it causes, kept
up to date with updates that reach every linked ticket's thread at once, and resolved with
all of them. While a ticket is linked, its own reminders are held: the incident carries the
SLA (`incidents.sla`), reminding its owner and escalating to the leads.

- `values`: the incident, its timeline and a broadcast of one update;
- `verbs`: `/ticket incident …`;
- `telling`: updates, banners and resolving every linked ticket;
- `keeping`: the incident's own SLA reminders;
- `postmortem`: `show` and `deskbot incident report`.
"""
