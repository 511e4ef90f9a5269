"""Domain models: validation of spans, and the fast constructor for stored spans."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from annotator.core.models import Article, Origin, Span, trusted_model, trusted_span


def test_span_of_checks_the_range_and_takes_its_text() -> None:
    span = Span.of("Halo 😀 dunia", 7, 12, "LOC")
    assert span.text == "dunia"
    with pytest.raises(ValueError, match="outside the text"):
        Span.of("Halo", 2, 9, "LOC")
    with pytest.raises(ValidationError, match="greater than start"):
        Span(start=3, end=3, label="LOC", text="")


def test_trusted_span_equals_a_constructed_one_and_behaves_like_it() -> None:
    values = {
        "id": "s1",
        "start": 2,
        "end": 5,
        "label": "PER",
        "text": "abc",
        "attrs": {"type": "direct"},
        "origin": Origin.SUGGESTED,
    }
    trusted = Span.trusted(**values)
    constructed = Span.model_construct(**values, created_at=None, updated_at=None)
    assert trusted == constructed
    fastest = trusted_span({**values, "created_at": None, "updated_at": None})
    assert fastest == constructed and list(fastest.__dict__) == list(Span.model_fields)
    assert fastest.model_fields_set == constructed.model_fields_set
    # Such spans share their set of given fields: a copy with changes must not change it.
    other = trusted_span({**values, "created_at": None, "updated_at": None})
    changed = fastest.model_copy(update={"label": "ORG", "extra_marker": 1})
    assert changed.label == "ORG" and "extra_marker" in changed.model_fields_set
    assert other.model_fields_set == fastest.model_fields_set == set(Span.model_fields)
    assert fastest.model_dump() == constructed.model_dump()
    assert trusted.model_dump() == constructed.model_dump()
    assert trusted.model_copy(update={"label": "ORG"}).label == "ORG"
    with pytest.raises(ValidationError):
        trusted.label = "ORG"  # frozen like any span
    assert hash(trusted.id) == hash("s1")


def test_trusted_model_equals_the_validated_model() -> None:
    fields = {
        "id": 7,
        "external_id": "a7",
        "title": "Judul",
        "text": "Halo 😀 dunia",
        "text_sha256": "0" * 64,
        "source": None,
        "url": "https://example.org/a7",
        "published": None,
        "language": "id",
        "meta": {"desk": "economy"},
    }
    trusted = trusted_model(Article, dict(fields))
    validated = Article(**fields)
    assert trusted == validated
    assert trusted.model_dump() == validated.model_dump()
    assert trusted.model_fields_set == validated.model_fields_set
    with pytest.raises(ValidationError):
        trusted.title = "Lain"  # frozen like any article
