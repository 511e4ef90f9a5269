"""annotator: label news articles (entities, quotes, claims) and export training data."""

__version__ = "0.1.0"
