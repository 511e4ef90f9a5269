"""Pure-Python domain: articles, spans, offsets, label schema. No Qt, no database."""
