"""Satisfaction: each resolution's customer is asked once to rate it, and ratings are counted.

- `asking`: when a ticket is resolved (`handlers.changes.apply` calls `ask`), its customer is
  asked in the ticket's thread, unless sampling or their cooldown lets this resolution pass;
  a survey's window closes when its typed timer step fires (`expire`), and the survey
  message is edited to say so.
- `rating`: `/ticket rate <id> <score> [comment]` (the buttons run it too) records or
  changes the rating of the latest survey, audited, and alerts the leads to a low one.
"""
