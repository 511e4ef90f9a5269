"""The error the store raises for a request it refuses."""


class StoreError(Exception):
    """A request the store refuses (unknown article, span not matching the text, ...)."""
