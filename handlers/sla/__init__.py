"""Service-level promises: the business calendar, the clocks that keep them, the steps they plan."""
