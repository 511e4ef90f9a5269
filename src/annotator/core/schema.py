"""The label schema: labels (colour, key, description, attributes) and relation types.

Schemas are TOML files validated by pydantic; errors name the offending entry.
"""

from __future__ import annotations

import re
import tomllib
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


class SchemaError(Exception):
    """A schema file that cannot be used; the message says where and why."""


class LabelKind(StrEnum):
    ENTITY = "entity"
    QUOTE = "quote"
    CUE = "cue"
    CLAIM = "claim"


def _check_name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError("must start with a letter and contain only letters, digits, _ or -")
    return value


def _check_key(value: str) -> str:
    if len(value) != 1 or not value.isalnum() or not value.isascii():
        raise ValueError("must be a single letter or digit")
    return value.upper()


class Attribute(BaseModel):
    """A property of a span with a fixed set of values, e.g. a quote's type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    values: tuple[str, ...] = Field(min_length=1)
    default: str = ""
    description: str = ""

    _name = field_validator("name")(_check_name)

    @model_validator(mode="after")
    def _default_is_a_value(self) -> Attribute:
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"attribute {self.name!r} lists a value twice")
        if not self.default:
            object.__setattr__(self, "default", self.values[0])
        elif self.default not in self.values:
            raise ValueError(
                f"default {self.default!r} of attribute {self.name!r} is not one of its values"
            )
        return self


class Label(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: LabelKind = LabelKind.ENTITY
    color: str
    key: str = Field(description="One key that applies the label (a letter or digit).")
    description: str = ""
    attributes: tuple[Attribute, ...] = ()

    _name = field_validator("name")(_check_name)
    _key = field_validator("key")(_check_key)

    @field_validator("color")
    @classmethod
    def _color(cls, value: str) -> str:
        if not _COLOR.match(value):
            raise ValueError("must be a hex colour like #1f77b4")
        return value.lower()

    @model_validator(mode="after")
    def _unique_attributes(self) -> Label:
        names = [attribute.name for attribute in self.attributes]
        if len(set(names)) != len(names):
            raise ValueError(f"label {self.name!r} declares an attribute twice")
        return self

    def defaults(self) -> dict[str, str]:
        """The attribute values a new span of this label starts with."""
        return {attribute.name: attribute.default for attribute in self.attributes}


class RelationType(BaseModel):
    """A kind of link from a head span to a child span, e.g. quote -speaker-> person."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: str
    key: str = Field(description="The key that starts a link of this type from the selection.")
    heads: tuple[str, ...] = Field(alias="from", min_length=1)
    children: tuple[str, ...] = Field(alias="to", min_length=1)
    description: str = ""

    _name = field_validator("name")(_check_name)
    _key = field_validator("key")(_check_key)

    def allows(self, head_label: str, child_label: str) -> bool:
        return head_label in self.heads and child_label in self.children


class LabelSchema(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "custom"
    labels: tuple[Label, ...]
    relations: tuple[RelationType, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> LabelSchema:
        if not self.labels:
            raise ValueError("a schema needs at least one label")
        _unique("label name", [(label.name, f"label {label.name!r}") for label in self.labels])
        _unique("relation name", [(r.name, f"relation {r.name!r}") for r in self.relations])
        _unique(
            "key",
            [(label.key, f"label {label.name!r}") for label in self.labels]
            + [(r.key, f"relation {r.name!r}") for r in self.relations],
        )
        known = set(self.names)
        for relation in self.relations:
            for end, labels in (("from", relation.heads), ("to", relation.children)):
                unknown = [label for label in labels if label not in known]
                if unknown:
                    raise ValueError(
                        f"relation {relation.name!r}: {end} names unknown label(s) "
                        f"{', '.join(map(repr, unknown))}"
                    )
        return self

    def label(self, name: str) -> Label:
        for label in self.labels:
            if label.name == name:
                return label
        raise KeyError(name)

    def by_key(self, key: str) -> Label | None:
        key = key.upper()
        return next((label for label in self.labels if label.key == key), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    def relation(self, name: str) -> RelationType:
        for relation in self.relations:
            if relation.name == name:
                return relation
        raise KeyError(name)


def _unique(what: str, entries: list[tuple[str, str]]) -> None:
    seen: dict[str, str] = {}
    for value, owner in entries:
        if value in seen:
            raise ValueError(f"{seen[value]} and {owner} share the {what} {value!r}")
        seen[value] = owner


def _describe(error: ValidationError, data: object) -> str:
    lines = []
    for problem in error.errors():
        where: list[str] = []
        node: object = data
        for part in problem["loc"]:
            node = node[part] if _has(node, part) else None  # type: ignore[index]
            if isinstance(part, int) and where:
                name = node.get("name") if isinstance(node, dict) else None
                where[-1] += f"[{part}]" + (f" ({name})" if isinstance(name, str) else "")
            else:
                where.append(str(part))
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{'.'.join(where) or 'schema'}: {message}")
    return "; ".join(lines)


def _has(node: object, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def parse_schema(text: str, origin: str = "<schema>") -> LabelSchema:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SchemaError(f"{origin}: not valid TOML: {error}") from None
    try:
        return LabelSchema.model_validate(data)
    except ValidationError as error:
        raise SchemaError(f"{origin}: {_describe(error, data)}") from None


def load_schema(path: Path) -> LabelSchema:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SchemaError(f"{path}: cannot read schema: {error}") from None
    return parse_schema(text, str(path))
