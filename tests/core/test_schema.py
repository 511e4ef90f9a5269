"""The label schema file: the default loads, and every kind of mistake is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.schema import LabelKind, SchemaError, load_schema, parse_schema
from annotator.resources import default_schema_path

LABEL = '[[labels]]\nname = "{name}"\ncolor = "{color}"\nkey = "{key}"\n'


def test_default_schema_has_the_news_labels_with_keys_colours_and_descriptions() -> None:
    schema = load_schema(default_schema_path())
    assert schema.names == (
        "PER", "ORG", "GPE", "LOC", "NORP", "EVENT", "DATE", "QUOTE", "CUE", "CLAIM",
    )  # fmt: skip
    assert len({label.key for label in schema.labels}) == 10
    assert all(label.description and label.color.startswith("#") for label in schema.labels)
    assert schema.label("QUOTE").kind == LabelKind.QUOTE
    assert schema.by_key("p").name == "PER"


def test_default_schema_declares_attributes_and_relation_types() -> None:
    schema = load_schema(default_schema_path())
    assert schema.label("QUOTE").defaults() == {"type": "direct"}
    claim = {a.name: a.values for a in schema.label("CLAIM").attributes}
    assert claim == {
        "checkworthy": ("checkworthy", "unimportant_factual", "not_factual"),
        "verdict": ("none", "supports", "refutes", "not_enough_info"),
    }
    speaker = schema.relation("speaker")
    assert speaker.allows("QUOTE", "PER") and not speaker.allows("QUOTE", "CUE")
    assert schema.relation("cue").allows("QUOTE", "CUE")
    assert schema.relation("in_quote").allows("CLAIM", "QUOTE")
    assert schema.relation("continues").allows("QUOTE", "QUOTE")
    assert {r.name for r in schema.relations} == {
        "speaker", "cue", "claimant", "in_quote", "continues",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (LABEL.format(name="A", color="red", key="A"), "labels[0] (A).color: must be a hex"),
        (LABEL.format(name="1A", color="#ffffff", key="A"), "labels[0] (1A).name: must start"),
        (LABEL.format(name="A", color="#ffffff", key="AB"), "labels[0] (A).key: must be a single"),
        (
            LABEL.format(name="A", color="#ffffff", key="A")
            + LABEL.format(name="B", color="#ffffff", key="a"),
            "label 'A' and label 'B' share the key 'A'",
        ),
        (
            LABEL.format(name="A", color="#ffffff", key="A")
            + '[[labels.attributes]]\nname = "t"\nvalues = ["x"]\ndefault = "y"\n',
            "labels[0] (A).attributes[0] (t): default 'y' of attribute 't' is not one of",
        ),
        (
            LABEL.format(name="A", color="#ffffff", key="A")
            + '[[relations]]\nname = "r"\nkey = "R"\nfrom = ["A"]\nto = ["PERSON"]\n',
            "relation 'r': to names unknown label(s) 'PERSON'",
        ),
        (
            LABEL.format(name="A", color="#ffffff", key="A")
            + '[[relations]]\nname = "r"\nkey = "a"\nfrom = ["A"]\nto = ["A"]\n',
            "label 'A' and relation 'r' share the key 'A'",
        ),
        ("labels = []\n", "a schema needs at least one label"),
        ("labels = [\n", "not valid TOML"),
        (LABEL.format(name="A", color="#ffffff", key="A") + "colour = 1\n", "colour: Extra"),
    ],
)
def test_invalid_schemas_name_the_bad_entry(text: str, message: str) -> None:
    with pytest.raises(SchemaError) as caught:
        parse_schema(text, "my.toml")
    assert str(caught.value).startswith("my.toml: ")
    assert message in str(caught.value)


def test_unreadable_schema_file(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="cannot read schema"):
        load_schema(tmp_path / "missing.toml")
