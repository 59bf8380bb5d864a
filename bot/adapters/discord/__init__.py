"""The Discord platform, on the unmodified discord.py."""
