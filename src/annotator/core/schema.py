"""The label schema: which labels exist, their colours, keys and descriptions.

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


class Label(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: LabelKind = LabelKind.ENTITY
    color: str
    key: str = Field(description="One key that applies the label (a letter or digit).")
    description: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must start with a letter and contain only letters, digits, _ or -")
        return value

    @field_validator("color")
    @classmethod
    def _color(cls, value: str) -> str:
        if not _COLOR.match(value):
            raise ValueError("must be a hex colour like #1f77b4")
        return value.lower()

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if len(value) != 1 or not value.isalnum() or not value.isascii():
            raise ValueError("must be a single letter or digit")
        return value.upper()


class LabelSchema(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "custom"
    labels: tuple[Label, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> LabelSchema:
        for field in ("name", "key"):
            seen: dict[str, str] = {}
            for label in self.labels:
                value = getattr(label, field)
                if value in seen:
                    raise ValueError(
                        f"labels {seen[value]!r} and {label.name!r} share the {field} {value!r}"
                    )
                seen[value] = label.name
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


def _describe(error: ValidationError, data: object) -> str:
    lines = []
    for problem in error.errors():
        where = []
        for part in problem["loc"]:
            if isinstance(part, int) and where and where[-1] == "labels":
                name = _label_name(data, part)
                where[-1] = f"labels[{part}]" + (f" ({name})" if name else "")
            else:
                where.append(str(part))
        lines.append(f"{'.'.join(where) or 'schema'}: {problem['msg']}")
    return "; ".join(lines)


def _label_name(data: object, index: int) -> str | None:
    if isinstance(data, dict):
        labels = data.get("labels")
        if isinstance(labels, list) and index < len(labels) and isinstance(labels[index], dict):
            name = labels[index].get("name")
            return name if isinstance(name, str) else None
    return None


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
