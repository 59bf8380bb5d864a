"""The leads' digest: its figures, the rows they are read from, its lines, and posting it."""
