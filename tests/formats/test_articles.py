from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.core.models import ArticleIn
from annotator.formats import articles
from annotator.formats.articles import ImportFileError, iter_article_files, read_articles

SAMPLES = Path(__file__).resolve().parents[2] / "sample_articles"
SEED = SAMPLES / "000_b9d6f5e61d96cdcf.txt"


def write_jsonl(path: Path, *records: Any) -> Path:
    """Write one line per record: dicts are JSON-encoded, bytes and str are written as given."""
    lines = []
    for record in records:
        if isinstance(record, bytes):
            lines.append(record)
        elif isinstance(record, str):
            lines.append(record.encode())
        else:
            lines.append(orjson.dumps(record))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def read_all(path: Path) -> list[ArticleIn]:
    return list(read_articles(path))


def import_error(path: Path) -> ImportFileError:
    with pytest.raises(ImportFileError) as info:
        read_all(path)
    return info.value


# ImportFileError


def test_import_error_message_with_and_without_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    with_line = ImportFileError(path, "bad thing", 7)
    assert str(with_line) == f"{path}:7: bad thing"
    assert (with_line.path, with_line.line, with_line.reason) == (path, 7, "bad thing")
    assert str(ImportFileError(path, "bad thing")) == f"{path}: bad thing"


# iter_article_files


def test_folders_expand_recursively_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep").mkdir(parents=True)
    for name in ["b/2.txt", "b/1.jsonl", "a/deep/z.txt", "a/y.txt", "x.TXT", "notes.md", "c.csv"]:
        (tmp_path / name).write_text("Title\nbody")
    assert list(iter_article_files([tmp_path])) == [
        tmp_path / "a" / "deep" / "z.txt",
        tmp_path / "a" / "y.txt",
        tmp_path / "b" / "1.jsonl",
        tmp_path / "b" / "2.txt",
        tmp_path / "x.TXT",
    ]


def test_hidden_files_and_folders_are_skipped(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("x")
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "seen.txt").write_text("x")
    assert list(iter_article_files([tmp_path])) == [tmp_path / "seen.txt"]


def test_given_paths_keep_their_order(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "inside.jsonl").write_text("")
    single = tmp_path / "z.txt"
    single.write_text("x")
    assert list(iter_article_files([single, folder])) == [single, folder / "inside.jsonl"]


@pytest.mark.parametrize(("name", "shown"), [("table.csv", "'.csv'"), ("README", "without")])
def test_a_given_file_with_another_suffix_is_rejected(
    tmp_path: Path, name: str, shown: str
) -> None:
    path = tmp_path / name
    path.write_text("x")
    with pytest.raises(ImportFileError) as info:
        list(iter_article_files([path]))
    assert str(info.value).startswith(f"{path}: unsupported file type {shown}")
    assert "expected .txt or .jsonl" in str(info.value)


def test_a_missing_path_is_rejected(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    with pytest.raises(ImportFileError, match="no such file") as info:
        list(iter_article_files([missing]))
    assert info.value.path == missing


def test_read_articles_rejects_other_suffixes(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text("{}")
    assert "unsupported file type '.json'" in str(import_error(path))


def test_read_articles_reports_an_unreadable_file(tmp_path: Path) -> None:
    error = import_error(tmp_path / "gone.jsonl")
    assert str(error).startswith(f"{tmp_path / 'gone.jsonl'}: cannot read the file")


# .txt


def test_txt_article(tmp_path: Path) -> None:
    path = tmp_path / "story-42.txt"
    path.write_text("\n  Big headline  \nFirst paragraph.\n", encoding="utf-8")
    assert read_all(path) == [
        ArticleIn(
            external_id="story-42",
            title="Big headline",
            text="\n  Big headline  \nFirst paragraph.\n",
        )
    ]


def test_txt_line_endings_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"Title\r\nline two\rline three\n")
    [article] = read_all(path)
    assert article.text == "Title\nline two\nline three\n"


def test_txt_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes("\ufeffJudul “berita”\nIsi.".encode())
    [article] = read_all(path)
    assert article.text == "Judul “berita”\nIsi."
    assert article.title == "Judul “berita”"


def test_txt_keeps_unicode_line_separators(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Title\nx\u2028y\u0085z", encoding="utf-8")
    [article] = read_all(path)
    assert article.text == "Title\nx\u2028y\u0085z"


def test_txt_long_first_line_gives_a_cut_title(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("word " * 60 + "\nbody")
    [article] = read_all(path)
    assert len(article.title) <= 120
    assert article.title.endswith("…")


def test_txt_invalid_utf8_names_line_and_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"Title\nok\ncaf\xe9 au lait\n")
    error = import_error(path)
    assert error.line == 3
    assert str(error).startswith(f"{path}:3: invalid UTF-8: byte 0xE9 at byte offset 12")


def test_txt_nul_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "nul.txt"
    path.write_bytes(b"Title\r\nsecond\r\nthi\x00rd")
    error = import_error(path)
    assert error.line == 3
    assert str(error) == (
        f"{path}:3: text contains a NUL character (U+0000) at line 3, column 4 of the text"
    )


@pytest.mark.parametrize(("content", "reason"), [(b"", "empty"), (b"\xef\xbb\xbf \r\n\t", "only")])
def test_txt_empty_or_blank_is_rejected(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    error = import_error(path)
    assert error.line is None
    assert str(error).startswith(f"{path}: text ")
    assert reason in error.reason


# .jsonl: good input


def test_jsonl_articles_with_all_fields(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "batch.jsonl",
        {
            "id": "a1",
            "title": "  Given title ",
            "text": "Body of a1",
            "url": "https://example.org/a1",
            "source": "Example Daily",
            "published": "2024-03-01",
            "language": "en",
            "meta": {"section": "city", "tags": ["x"]},
        },
        {"id": 7, "text": "\n Derived title\nrest", "meta": None, "url": None},
    )
    assert read_all(path) == [
        ArticleIn(
            external_id="a1",
            title="Given title",
            text="Body of a1",
            url="https://example.org/a1",
            source="Example Daily",
            published="2024-03-01",
            language="en",
            meta={"section": "city", "tags": ["x"]},
        ),
        ArticleIn(external_id="7", title="Derived title", text="\n Derived title\nrest"),
    ]


def test_jsonl_blank_title_is_derived_from_text(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", {"id": "x", "title": " ", "text": "Head\nbody"})
    assert read_all(path)[0].title == "Head"


def test_jsonl_unknown_keys_go_into_meta(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "a.jsonl", {"id": "x", "text": "t", "author": "Rina", "meta": {"page": 3}}
    )
    assert read_all(path)[0].meta == {"page": 3, "author": "Rina"}


def test_jsonl_text_is_kept_byte_for_byte(tmp_path: Path) -> None:
    text = " Kata dia,\r\n“halo”\u2028baris\u0085lagi\u2029 👩‍🔬 🇮🇩 \t\n\n"
    path = write_jsonl(
        tmp_path / "exact.jsonl", {"id": "x", "text": text}, {"id": "y", "text": "z"}
    )
    # orjson writes U+2028 and U+0085 unescaped, so str.splitlines would break this line.
    assert "\u2028".encode() in path.read_bytes()
    articles_read = read_all(path)
    assert [article.external_id for article in articles_read] == ["x", "y"]
    assert articles_read[0].text.encode() == text.encode()


def test_jsonl_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", "", {"id": "1", "text": "t"}, " \t\r", "", "[1]")
    with pytest.raises(ImportFileError) as info:
        read_all(path)
    assert info.value.line == 5


def test_jsonl_accepts_bom_crlf_and_no_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "1", "text": "a"}\r\n{"id": "2", "text": "b"}')
    assert [(a.external_id, a.text) for a in read_all(path)] == [("1", "a"), ("2", "b")]


def test_jsonl_empty_file_has_no_articles(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    assert read_all(path) == []


def test_jsonl_is_read_lazily_up_to_the_first_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", {"id": "1", "text": "t"}, "{broken")
    stream = read_articles(path)
    assert next(stream).external_id == "1"
    with pytest.raises(ImportFileError) as info:
        next(stream)
    assert info.value.line == 2


# .jsonl: bad input, each reported with file and line


GOOD = {"id": "ok", "text": "fine"}


@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [
        ('{"id": "a", "text": "x"', "malformed JSON at column 24: unexpected end of data"),
        ("not json", "malformed JSON at column 1"),
        ('{"id": "a", "text": "x"} {}', "malformed JSON"),
        ('["id", "text"]', "expected a JSON object, got array"),
        ('"text"', "expected a JSON object, got string"),
        ('{"text": "x"}', 'missing "id"'),
        ('{"id": null, "text": "x"}', 'missing "id"'),
        ('{"id": true, "text": "x"}', '"id" must be a string or an integer, got boolean'),
        ('{"id": 1.5, "text": "x"}', '"id" must be a string or an integer, got number'),
        ('{"id": " ", "text": "x"}', '"id" is empty'),
        ('{"id": "a"}', 'missing "text"'),
        ('{"id": "a", "text": ["x"]}', '"text" must be a string, got array'),
        ('{"id": "a", "text": ""}', "text is empty"),
        ('{"id": "a", "text": " \\n\\t"}', "text contains only whitespace"),
        (
            '{"id": "a", "text": "ab\\ncd\\u0000"}',
            "text contains a NUL character (U+0000) at line 2, column 3 of the text",
        ),
        ('{"id": "a", "text": "x", "title": 3}', '"title" must be a string or null, got number'),
        ('{"id": "a", "text": "x", "url": {}}', '"url" must be a string or null, got object'),
        ('{"id": "a", "text": "x", "published": 2024}', '"published" must be a string or null'),
        ('{"id": "a", "text": "x", "meta": []}', '"meta" must be an object, got array'),
        ('{"id": "a", "text": "x", "meta": "m"}', '"meta" must be an object, got string'),
        (
            '{"id": "a", "text": "x", "k": 1, "meta": {"k": 2}}',
            'key "k" appears both at the top level and in "meta"',
        ),
    ],
)
def test_jsonl_bad_line_is_reported_with_file_and_line(
    tmp_path: Path, bad_line: str, expected: str
) -> None:
    path = write_jsonl(tmp_path / "input.jsonl", GOOD, "", bad_line, {"id": "later", "text": "t"})
    error = import_error(path)
    assert error.line == 3
    assert str(error).startswith(f"{path}:3: ")
    assert expected in error.reason


@pytest.mark.parametrize(("escape", "column"), [("\\ud800", 23), ("\\uDC00", 23), ("\\ud83dx", 23)])
def test_jsonl_lone_surrogate_escape_is_explained(tmp_path: Path, escape: str, column: int) -> None:
    path = write_jsonl(tmp_path / "s.jsonl", GOOD, '{"id": "a", "text": "é' + escape + '"}')
    error = import_error(path)
    assert error.line == 2
    assert error.reason.startswith(f"lone surrogate {escape[:6]} at column {column}")


def test_jsonl_valid_surrogate_pair_escape_is_accepted(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "s.jsonl", '{"id": "a", "text": "\\ud83d\\ude00"}')
    assert read_all(path)[0].text == "\U0001f600"


def test_jsonl_invalid_utf8_names_line_and_byte_offset(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bytes.jsonl", GOOD, b'{"id": "b", "text": "caf\xe9"}')
    error = import_error(path)
    first_line_length = len(orjson.dumps(GOOD)) + 1
    assert error.line == 2
    assert str(error).startswith(
        f"{path}:2: invalid UTF-8: byte 0xE9 at byte offset {first_line_length + 24}"
    )


def test_jsonl_invalid_utf8_offset_counts_the_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "\xff"}\n')
    error = import_error(path)
    assert error.line == 1
    assert "byte 0xFF at byte offset 11" in error.reason


def test_jsonl_duplicate_ids_name_both_lines(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "dups.jsonl",
        {"id": 1, "text": "a"},
        {"id": "2", "text": "b"},
        {"id": "1", "text": "c"},
    )
    error = import_error(path)
    assert str(error) == f'{path}:3: duplicate id "1", already used on line 1'


def test_jsonl_line_too_long(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = orjson.dumps({"id": "a", "text": "x"})
    monkeypatch.setattr(articles, "MAX_LINE_BYTES", len(record))
    exactly = write_jsonl(tmp_path / "fits.jsonl", record)
    assert len(read_all(exactly)) == 1

    too_long = write_jsonl(tmp_path / "long.jsonl", record, record + b" ")
    error = import_error(too_long)
    assert error.line == 2
    assert str(error).startswith(f"{too_long}:2: line too long")


def test_default_line_limit_is_64_mib() -> None:
    assert articles.MAX_LINE_BYTES == 64 * 1024 * 1024


# sample_articles


def test_sample_articles_all_import() -> None:
    files = list(iter_article_files([SAMPLES]))
    assert len(files) == 5
    assert [path.name[:4] for path in files] == ["000_", "001_", "002_", "003_", "004_"]
    read = [article for path in files for article in read_articles(path)]
    assert len(read) == 5
    assert len({article.external_id for article in read}) == 5
    for path, article in zip(files, read, strict=True):
        assert article.external_id == path.stem
        assert "\r" not in article.text
        headline = path.read_text(encoding="utf-8").splitlines()[0]
        if len(headline) <= 120:
            assert article.title == headline
        else:
            assert article.title.endswith("…")
            assert headline.startswith(article.title[:-1])


def test_seed_article_text_equals_the_file() -> None:
    data = SEED.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in data
    [article] = read_articles(SEED)
    assert article.text == data.decode("utf-8")


def test_crlf_sample_is_normalised() -> None:
    [path] = SAMPLES.glob("004_*.txt")
    data = path.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") > 1
    [article] = read_articles(path)
    assert article.text == data.decode("utf-8").replace("\r\n", "\n")


def test_emoji_sample_keeps_zwj_sequences_and_flags() -> None:
    [path] = SAMPLES.glob("003_*.txt")
    [article] = read_articles(path)
    assert "\U0001f469\u200d\U0001f52c" in article.text
    assert "\U0001f1ee\U0001f1e9" in article.text


def test_an_integer_beyond_64_bits_in_meta_is_refused_not_rounded(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(
        b'{"id": "a1", "text": "Halo.", "meta": {"score": 0.5, "n": 18446744073709551615}}\n'
        b'{"id": "a2", "text": "Dunia.", "meta": {"ids": [1, 100000000000000000000000000001]}}\n'
    )
    with pytest.raises(ImportFileError) as info:
        list(read_articles(path))
    assert str(info.value) == (
        f"{path}:2: meta.ids[1]: the integer 100000000000000000000000000001 is beyond 64 bits, "
        "the most JSON readers keep exactly; write it as a string"
    )
    path.write_bytes(path.read_bytes().splitlines(keepends=True)[0])
    (article,) = read_articles(path)
    assert article.meta == {"score": 0.5, "n": 18446744073709551615}


def test_meta_nested_deeper_than_the_recursion_limit_is_read(tmp_path: Path) -> None:
    depth = 900  # below orjson's limit (1024), above what recursion here could take
    meta = b'{"x": ' + b"[" * depth + b"1.5" + b"]" * depth + b"}"
    path = tmp_path / "deep.jsonl"
    path.write_bytes(b'{"id": "d1", "text": "Teks dalam.", "meta": ' + meta + b"}\n")
    (article,) = read_articles(path)
    assert article.external_id == "d1"
    path.write_bytes(path.read_bytes().replace(b"1.5", b"100000000000000000000000"))
    with pytest.raises(ImportFileError, match=r"meta\.x(\[0\]){900}: the integer"):
        list(read_articles(path))
