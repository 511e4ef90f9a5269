import sqlite3
from pathlib import Path

import orjson
import pytest
from cli_helpers import assert_clean_error, run_cli

from annotator.core.models import Suggestion
from annotator.storage.store import Store

TEXTS = {
    "a1": "Presiden Joko Widodo bertemu Volodymyr Zelensky di Kyiv.",
    "a2": "Halo 😀🇮🇩 dunia: Zelensky berbicara di Jakarta.",
}


def jsonl(path: Path, *lines: bytes | dict[str, object]) -> Path:
    path.write_bytes(
        b"".join(
            (line if isinstance(line, bytes) else orjson.dumps(line)) + b"\n" for line in lines
        )
    )
    return path


def span(article: str, needle: str, label: str, **extra: object) -> dict[str, object]:
    start = TEXTS[article].index(needle)
    return {"start": start, "end": start + len(needle), "label": label, **extra}


def stored(db_url: str, external_id: str) -> list[Suggestion]:
    store = Store.open(db_url)
    try:
        article_id = store.find_article(external_id)
        assert article_id is not None
        return store.suggestions(article_id)
    finally:
        store.close()


def summary(suggestions: list[Suggestion]) -> set[tuple[int, int, str, str]]:
    result = set()
    for suggestion in suggestions:
        (part,) = suggestion.spans
        assert part.role == "entity"
        assert suggestion.relations == ()
        result.add((part.start, part.end, part.label, part.text))
    return result


@pytest.fixture
def articles(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    path = jsonl(
        tmp_path / "articles.jsonl", *({"id": key, "text": text} for key, text in TEXTS.items())
    )
    assert run_cli(capsys, "import", "--db", db_url, str(path)).code == 0
    return db_url


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Line 1: two good spans and three bad ones; line 3: unknown article; line 4: good."""
    return jsonl(
        tmp_path / "pre.jsonl",
        {
            "article_id": "a1",
            "spans": [
                span("a1", "Joko Widodo", "PER", text="Joko Widodo", score=0.9),
                span("a1", "Kyiv", "GPE"),
                span("a1", "Volodymyr", "PER", text="Vladimir"),
                {"start": 50, "end": 60, "label": "LOC"},
                span("a1", "Zelensky", "PERSON"),
            ],
        },
        b"",
        {"article_id": "zz", "spans": [{"start": 0, "end": 4, "label": "PER"}] * 2},
        {"id": "a2", "spans": [span("a2", "Zelensky", "PER", text="Zelensky")]},
    )


def test_good_spans_are_stored_and_bad_ones_reported(
    articles: str, mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "import", "--db", articles, "--suggestions", str(mixed))

    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    assert result.err.splitlines() == [
        f"{mixed}:1: spans[2] skipped: text 'Vladimir' does not match the article text "
        "'Volodymyr' at [29, 38)",
        f"{mixed}:1: spans[3] skipped: [50, 60) is outside the article text (56 code points)",
        f"{mixed}:1: spans[4] skipped: label 'PERSON' is not in the schema",
        f"{mixed}:3: 2 span(s) skipped: no article with id 'zz' in the database",
        f"{mixed}: 3 suggestions added, 0 already present, 5 skipped",
    ]
    a1 = stored(articles, "a1")
    assert summary(a1) == {(9, 20, "PER", "Joko Widodo"), (51, 55, "GPE", "Kyiv")}
    assert {suggestion.source for suggestion in a1} == {"import:pre.jsonl"}
    # Code points: the emoji counts one, the flag two.
    assert summary(stored(articles, "a2")) == {(16, 24, "PER", "Zelensky")}


def test_reimport_adds_nothing(
    articles: str, mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(capsys, "import", "--db", articles, "--suggestions", str(mixed)).code == 0
    before = stored(articles, "a1")

    again = run_cli(capsys, "import", "--db", articles, "--suggestions", str(mixed))

    assert again.code == 0, again.err
    assert f"{mixed}: 0 suggestions added, 3 already present, 5 skipped" in again.err
    assert stored(articles, "a1") == before
    assert len(stored(articles, "a2")) == 1


def test_source_option(articles: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = jsonl(tmp_path / "ner.jsonl", {"article_id": "a1", "spans": [span("a1", "Kyiv", "GPE")]})
    argv = ["import", "--db", articles, "--suggestions", str(path)]

    assert run_cli(capsys, *argv, "--source", "ner-model-3").code == 0

    (suggestion,) = stored(articles, "a1")
    assert suggestion.source == "ner-model-3"


def test_articles_and_suggestions_in_one_command(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    articles = jsonl(tmp_path / "articles.jsonl", {"id": "a1", "text": TEXTS["a1"]})
    first = jsonl(tmp_path / "one.jsonl", {"id": "a1", "spans": [span("a1", "Kyiv", "GPE")]})
    second = jsonl(tmp_path / "two.jsonl", {"id": "a1", "spans": [span("a1", "Joko", "PER")]})

    result = run_cli(
        capsys,
        "import",
        str(articles),
        "--db",
        db_url,
        "--suggestions",
        str(first),
        "--suggestions",
        str(second),
    )

    assert result.code == 0, result.err
    assert f"{articles}: 1 added" in result.err
    assert {s.source for s in stored(db_url, "a1")} == {"import:one.jsonl", "import:two.jsonl"}


def test_labels_come_from_the_schema_option(
    articles: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "people.toml"
    schema.write_text(
        '[[labels]]\nname = "PERSON"\ncolor = "#112233"\nkey = "P"\n', encoding="utf-8"
    )
    path = jsonl(
        tmp_path / "pre.jsonl",
        {"id": "a1", "spans": [span("a1", "Joko Widodo", "PERSON"), span("a1", "Kyiv", "GPE")]},
    )

    result = run_cli(
        capsys, "import", "--db", articles, "--schema", str(schema), "--suggestions", str(path)
    )

    assert result.code == 0, result.err
    assert f"{path}:1: spans[1] skipped: label 'GPE' is not in the schema" in result.err
    assert summary(stored(articles, "a1")) == {(9, 20, "PERSON", "Joko Widodo")}


# Errors


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"article_id": "a1", "spans": [', "malformed JSON"),
        (b'["a1"]', "expected a JSON object, got array"),
        (b'{"spans": []}', 'missing "article_id"'),
        (b'{"article_id": "a1", "id": "a1", "spans": []}', "not both"),
        (b'{"article_id": true, "spans": []}', '"article_id" must be a string or an integer'),
        (b'{"id": "a1"}', 'missing "spans"'),
        (b'{"id": "a1", "spans": {}}', '"spans" must be an array, got object'),
        (b'{"id": "a1", "spans": [1]}', "spans[0] must be an object, got number"),
        (b'{"id": "a1", "spans": [{"end": 4, "label": "PER"}]}', 'spans[0]: missing "start"'),
        (
            b'{"id": "a1", "spans": [{"start": 0, "end": 4.0, "label": "PER"}]}',
            'spans[0]: "end" must be an integer, got number',
        ),
        (b'{"id": "a1", "spans": [{"start": 0, "end": 4}]}', 'spans[0]: missing "label"'),
        (
            b'{"id": "a1", "spans": [{"start": 0, "end": 4, "label": "PER", "text": 5}]}',
            'spans[0]: "text" must be a string or null',
        ),
        (b'{"id": "a1", "spans": [], "note": "caf\xe9"}', "invalid UTF-8"),
    ],
)
def test_invalid_line_imports_nothing_from_the_file(
    line: bytes,
    reason: str,
    articles: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = {"article_id": "a1", "spans": [span("a1", "Kyiv", "GPE")]}
    path = jsonl(tmp_path / "pre.jsonl", good, line, good)

    result = run_cli(capsys, "import", "--db", articles, "--suggestions", str(path))

    assert_clean_error(result, f"{path}:2: ", reason, "nothing imported from this file")
    assert len(result.err.splitlines()) == 1
    assert stored(articles, "a1") == []


def test_lines_are_split_on_newline_only(
    articles: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # U+2028 and U+0085 end a line for str.splitlines, not for JSON Lines.
    path = tmp_path / "pre.jsonl"
    path.write_bytes(
        orjson.dumps({"id": "a1", "spans": [span("a1", "Kyiv", "GPE", note="a\u2028b\x85c")]})
        + b"\r\n"
        + b'{"id": "a1", "spans": [}\n'
    )

    result = run_cli(capsys, "import", "--db", articles, "--suggestions", str(path))

    assert_clean_error(result, f"{path}:2: malformed JSON")


def test_empty_span_is_skipped(
    articles: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = jsonl(
        tmp_path / "pre.jsonl", {"id": "a1", "spans": [{"start": 5, "end": 5, "label": "PER"}]}
    )
    result = run_cli(capsys, "import", "--db", articles, "--suggestions", str(path))
    assert result.code == 0
    assert f"{path}:1: spans[0] skipped: [5, 5) is empty" in result.err
    assert stored(articles, "a1") == []


def test_missing_file_is_a_clean_error(
    articles: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nope.jsonl"
    result = run_cli(capsys, "import", "--db", articles, "--suggestions", str(path))
    assert_clean_error(result, f"{path}: cannot read the file")


def test_database_failure_names_the_line(
    articles: str, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "CREATE TRIGGER refuse_a2 BEFORE INSERT ON suggestions "
            "WHEN NEW.article_id = (SELECT id FROM articles WHERE external_id = 'a2') "
            "BEGIN SELECT RAISE(ABORT, 'suggestions for a2 refused'); END"
        )
    path = jsonl(
        tmp_path / "pre.jsonl",
        {"id": "a1", "spans": [span("a1", "Kyiv", "GPE")]},
        {"id": "a2", "spans": [span("a2", "Jakarta", "GPE")]},
    )

    result = run_cli(capsys, "import", "--db", articles, "--suggestions", str(path))

    assert_clean_error(result, f"{path}:2: ", "suggestions for a2 refused", "earlier lines")
    assert summary(stored(articles, "a1")) == {(51, 55, "GPE", "Kyiv")}


def test_nothing_to_import_is_a_clean_error(
    db_path: Path, isolated_user_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "import", "--db", f"sqlite:///{db_path}")
    assert_clean_error(result, "nothing to import")
    assert not db_path.exists()
    assert not isolated_user_data.exists()


def test_source_without_suggestions_is_a_clean_error(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Title\nBody", encoding="utf-8")
    result = run_cli(
        capsys, "import", str(article), "--db", f"sqlite:///{db_path}", "--source", "x"
    )
    assert_clean_error(result, "--source")
    assert not db_path.exists()


def test_bad_schema_is_a_clean_error(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "broken.toml"
    schema.write_text("[[labels]\n", encoding="utf-8")
    path = jsonl(tmp_path / "pre.jsonl", {"id": "a1", "spans": []})
    result = run_cli(
        capsys,
        "import",
        "--db",
        f"sqlite:///{db_path}",
        "--schema",
        str(schema),
        "--suggestions",
        str(path),
    )
    assert_clean_error(result, str(schema), "not valid TOML")
    assert not db_path.exists()
