"""The board registry: every supported board as one frozen entry of data."""
