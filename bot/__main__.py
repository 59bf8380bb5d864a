"""`python -m bot` is the `deskbot` command."""

import sys

from bot.cli import main

sys.exit(main())
