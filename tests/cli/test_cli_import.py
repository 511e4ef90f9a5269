from pathlib import Path

import orjson
import pytest
from cli_helpers import assert_clean_error, run_cli

from annotator.storage.store import Store


def stored_ids(db_url: str) -> list[str]:
    store = Store.open(db_url)
    try:
        return [summary.external_id for summary in store.list_articles("anyone")]
    finally:
        store.close()


def stored_text(db_url: str, external_id: str) -> str:
    store = Store.open(db_url)
    try:
        article_id = store.find_article(external_id)
        assert article_id is not None
        return store.get_article(article_id).text
    finally:
        store.close()


def jsonl(path: Path, *lines: bytes | dict[str, object]) -> Path:
    path.write_bytes(
        b"".join(
            (line if isinstance(line, bytes) else orjson.dumps(line)) + b"\n" for line in lines
        )
    )
    return path


def good_files(folder: Path) -> list[Path]:
    folder.mkdir()
    first = folder / "good-one.txt"
    first.write_text("Good one\r\nBody of the first good article.\r\n", encoding="utf-8")
    second = jsonl(
        folder / "good-two.jsonl",
        {"id": "j1", "title": "J1", "text": "First JSONL article."},
        {"id": "j2", "text": "Second JSONL article."},
    )
    return [first, second]


# Successful imports


def test_import_txt_files(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "kompas-001.txt"
    first.write_text("\n  Jokowi bertemu Zelensky  \nIsi berita.\n", encoding="utf-8")
    second = tmp_path / "kompas-002.txt"
    second.write_bytes("\ufeffJudul kedua\r\nBaris 😀\r\n".encode())

    result = run_cli(capsys, "import", "--db", db_url, str(first), str(second))

    assert result.code == 0, result.err
    assert f"{first}: 1 added, 0 already present" in result.err
    assert f"{second}: 1 added, 0 already present" in result.err
    assert stored_ids(db_url) == ["kompas-001", "kompas-002"]
    store = Store.open(db_url)
    try:
        summaries = store.list_articles("ana")
        assert [s.title for s in summaries] == ["Jokowi bertemu Zelensky", "Judul kedua"]
    finally:
        store.close()
    assert stored_text(db_url, "kompas-002") == "Judul kedua\nBaris 😀\n"


def test_import_folder_recursively(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "articles"
    (folder / "2024" / "05").mkdir(parents=True)
    (folder / ".git").mkdir()
    (folder / "a.txt").write_text("A title\nA body", encoding="utf-8")
    (folder / "2024" / "05" / "b.txt").write_text("B title\nB body", encoding="utf-8")
    jsonl(folder / "2024" / "batch.jsonl", {"id": "c", "text": "C body"})
    (folder / "notes.md").write_text("not an article", encoding="utf-8")
    (folder / ".git" / "x.txt").write_text("hidden", encoding="utf-8")

    result = run_cli(capsys, "import", "--db", db_url, str(folder))

    assert result.code == 0, result.err
    assert sorted(stored_ids(db_url)) == ["a", "b", "c"]


def test_import_jsonl_keeps_text_and_metadata(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Halo 😀 dunia\r\nZelensky\u2028berbicara."
    path = jsonl(
        tmp_path / "batch.jsonl",
        {
            "id": 17,
            "title": "Seventeen",
            "text": text,
            "url": "https://example.com/17",
            "meta": {"desk": "world"},
            "section": "news",
        },
        {"id": "x2", "text": "Another one."},
        {"id": "x3", "text": "And a third."},
    )

    result = run_cli(capsys, "import", "--db", db_url, str(path))

    assert result.code == 0, result.err
    assert f"{path}: 3 added, 0 already present" in result.err
    assert stored_text(db_url, "17") == text
    store = Store.open(db_url)
    try:
        article_id = store.find_article("17")
        assert article_id is not None
        article = store.get_article(article_id)
        assert article.title == "Seventeen"
        assert article.url == "https://example.com/17"
        assert article.meta == {"desk": "world", "section": "news"}
    finally:
        store.close()


def test_reimport_reports_everything_as_already_present(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    files = good_files(tmp_path / "in")
    assert run_cli(capsys, "import", "--db", db_url, *map(str, files)).code == 0

    again = run_cli(capsys, "import", "--db", db_url, *map(str, files))

    assert again.code == 0, again.err
    assert f"{files[0]}: 0 added, 1 already present" in again.err
    assert f"{files[1]}: 0 added, 2 already present" in again.err
    assert sorted(stored_ids(db_url)) == ["good-one", "j1", "j2"]


def test_same_text_under_a_new_id_is_already_present(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    jsonl(tmp_path / "a.jsonl", {"id": "a", "text": "Same text."})
    jsonl(tmp_path / "b.jsonl", {"id": "b", "text": "Same text."})
    result = run_cli(
        capsys, "import", "--db", db_url, str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")
    )
    assert result.code == 0
    assert f"{tmp_path / 'b.jsonl'}: 0 added, 1 already present" in result.err
    assert stored_ids(db_url) == ["a"]


# Choosing the database


def test_db_option_is_accepted_before_the_command(
    tmp_path: Path,
    db_url: str,
    db_path: Path,
    isolated_user_data: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = good_files(tmp_path / "in")
    result = run_cli(capsys, "--db", db_url, "import", str(files[0]))
    assert result.code == 0, result.err
    assert db_path.is_file()
    assert stored_ids(db_url) == ["good-one"]
    assert not isolated_user_data.exists()


def test_annotator_db_environment_variable(
    tmp_path: Path,
    db_url: str,
    isolated_user_data: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = good_files(tmp_path / "in")
    monkeypatch.setenv("ANNOTATOR_DB", db_url)
    assert run_cli(capsys, "import", str(files[0])).code == 0
    assert stored_ids(db_url) == ["good-one"]
    assert not isolated_user_data.exists()


def test_default_database_is_in_the_user_data_folder(
    tmp_path: Path, isolated_user_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = good_files(tmp_path / "in")
    assert run_cli(capsys, "import", str(files[0])).code == 0
    assert stored_ids(f"sqlite:///{isolated_user_data}") == ["good-one"]


# Bad files


BAD_FILES: dict[str, tuple[str, bytes, int, str]] = {
    "invalid-utf8-txt": ("bad.txt", b"Title\nline two\nbad \xff byte\n", 3, "invalid UTF-8"),
    "invalid-utf8-jsonl": (
        "bad.jsonl",
        b'{"id": "b1", "text": "ok"}\n{"id": "b2", "text": "caf\xe9"}\n',
        2,
        "invalid UTF-8",
    ),
    "malformed-json-line-3": (
        "bad.jsonl",
        b'{"id": "b1", "text": "one"}\n{"id": "b2", "text": "two"}\n{"id": "b3", "text": \n',
        3,
        "malformed JSON",
    ),
    "missing-text": (
        "bad.jsonl",
        b'{"id": "b1", "text": "one"}\n{"id": "b2", "title": "no text"}\n',
        2,
        'missing "text"',
    ),
    "nul-txt": ("bad.txt", b"Title\nsecond\x00line\n", 2, "NUL"),
    "nul-jsonl": (
        "bad.jsonl",
        b'{"id": "b1", "text": "one"}\n{"id": "b2", "text": "nul \\u0000 here"}\n',
        2,
        "NUL",
    ),
    "lone-surrogate-escape": (
        "bad.jsonl",
        b'{"id": "b1", "text": "one"}\n\n{"id": "b2", "text": "half \\ud83d pair"}\n',
        3,
        "lone surrogate",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_reported_and_skipped_while_good_files_are_imported(
    case: str, tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    name, content, line, reason = BAD_FILES[case]
    good = good_files(tmp_path / "in")
    bad = tmp_path / "in" / name
    bad.write_bytes(content)

    result = run_cli(capsys, "import", "--db", db_url, str(good[0]), str(bad), str(good[1]))

    assert_clean_error(result, f"{bad}:{line}: ", reason)
    (error,) = [line for line in result.err.splitlines() if line.startswith("annotator: error:")]
    assert "nothing imported from this file" in error
    assert sorted(stored_ids(db_url)) == ["good-one", "j1", "j2"]
    assert f"{good[1]}: 2 added, 0 already present" in result.err


def test_bad_file_inside_a_folder(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    good_files(tmp_path / "in")
    jsonl(tmp_path / "in" / "broken.jsonl", {"id": "z1", "text": "fine"}, b"[1, 2]")
    result = run_cli(capsys, "import", "--db", db_url, str(tmp_path / "in"))
    assert_clean_error(result, f"{tmp_path / 'in' / 'broken.jsonl'}:2: ", "JSON object")
    assert sorted(stored_ids(db_url)) == ["good-one", "j1", "j2"]


def test_missing_path_is_a_clean_error(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "import", "--db", db_url, str(tmp_path / "nope.txt"))
    assert_clean_error(result, str(tmp_path / "nope.txt"), "no such file")


def test_unsupported_file_type_is_a_clean_error(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "article.docx"
    path.write_bytes(b"PK\x03\x04")
    result = run_cli(capsys, "import", "--db", db_url, str(path))
    assert_clean_error(result, str(path), "unsupported file type")
