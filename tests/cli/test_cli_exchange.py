"""annotator export --format / import --format / stats / validate, through the command line."""

import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest
from cli_helpers import assert_clean_error, run_cli

from annotator.core.models import ArticleIn, Origin, Relation, Span, Status
from annotator.core.text import text_sha256
from annotator.storage.store import Store

TEXTS = {
    "emoji": "Ana 😀 bertemu Budi di Jakarta.\r\nBudi berkata: “Kami siap.”",
    "zwj": "Ilmuwan 👩‍🔬 Siti Rahman dari Lagos mengatakan hal itu.",
    "flag": "Bendera 🇮🇩 dikibarkan di Pekalongan oleh Budi.",
    "combining": "Le café de Rene\u0301 Moreau est a\u0300 Lyon.",
}
PEOPLE = {"emoji": "Budi", "zwj": "Siti Rahman", "flag": "Budi", "combining": "Rene\u0301 Moreau"}
PLACES = {"emoji": "Jakarta", "zwj": "Lagos", "flag": "Pekalongan", "combining": "Lyon"}
# Which module each format lives in, and whether it carries relations and span attributes.
IMPORTED = {
    "jsonl": ("native_reader", True, True),
    "prodigy": ("prodigy", True, False),
    "doccano": ("doccano", False, False),
    "doccano-rel": ("doccano", True, False),
    "labelstudio": ("labelstudio", True, True),
    "brat": ("brat", True, True),
}
SUFFIX = {"labelstudio": ".json", "brat": ".zip"}
# doccano's spans carry no text, so offsets on these texts need their unit named.
UNIT = {"doccano": ["--offset-unit", "codepoint"], "doccano-rel": ["--offset-unit", "codepoint"]}


def needs(module: str) -> None:
    pytest.importorskip(
        f"annotator.formats.{module}", reason=f"annotator.formats.{module} is not written yet"
    )


def on(text: str, needle: str, label: str, **extra: Any) -> Span:
    start = text.index(needle)
    return Span.of(text, start, start + len(needle), label, **extra)


def url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def source(tmp_path: Path) -> str:
    """ana (done): a person, a place and a speaker link on every article; budi (in progress):
    a quote with attributes, its cue and speaker on the emoji article."""
    database = url(tmp_path / "source.db")
    store = Store.open(database)
    try:
        store.import_articles(
            ArticleIn(external_id=key, title=f"Title {key}", text=text, meta={"desk": key})
            for key, text in TEXTS.items()
        )
        for key, text in TEXTS.items():
            article_id = store.find_article(key) or 0
            person = store.add_span(article_id, "ana", on(text, PEOPLE[key], "PER"))
            place = store.add_span(article_id, "ana", on(text, PLACES[key], "GPE"))
            link = Relation(head=place.id, child=person.id, label="speaker")
            store.add_relation(article_id, "ana", link)
            store.set_status(article_id, "ana", Status.DONE)
        text, article_id = TEXTS["emoji"], store.find_article("emoji") or 0
        quote = store.add_span(
            article_id, "budi", on(text, "“Kami siap.”", "QUOTE", attrs={"type": "direct"})
        )
        cue = store.add_span(article_id, "budi", on(text, "berkata", "CUE"))
        speaker = store.add_span(article_id, "budi", on(text, "Budi berkata", "PER"))
        for child, label in ((cue, "cue"), (speaker, "speaker")):
            store.add_relation(
                article_id, "budi", Relation(head=quote.id, child=child.id, label=label)
            )
    finally:
        store.close()
    return database


def contents(database: str, relations: bool = True, attrs: bool = True) -> dict[Any, Any]:
    """What a database holds, by (article, annotator), spans and links by offsets."""
    store = Store.open(database)
    try:
        found = {}
        for item in store.iter_export():
            article, annotations = item.article, item.annotations
            spans = {s.id: (s.start, s.end, s.label, s.text) for s in annotations.spans}
            found[article.external_id, annotations.annotator] = {
                "title": article.title,
                "text": article.text,
                "meta": article.meta,
                "status": annotations.status,
                "spans": sorted(
                    (*spans[s.id], s.attrs if attrs else {}) for s in annotations.spans
                ),
                "relations": sorted(
                    (r.label, spans[r.head], spans[r.child]) for r in annotations.relations
                )
                if relations
                else [],
            }
        return found
    finally:
        store.close()


def export(capsys: pytest.CaptureFixture[str], database: str, *argv: str) -> str:
    result = run_cli(capsys, "export", "--db", database, *argv)
    assert result.code == 0, result.err
    return result.err


# Round trips


@pytest.mark.parametrize("name", list(IMPORTED))
def test_round_trip_into_a_fresh_database(
    name: str, source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module, relations, attrs = IMPORTED[name]
    needs(module)
    out = tmp_path / f"out{SUFFIX.get(name, '.jsonl')}"
    summary = export(capsys, source, "--format", name, "--out", str(out))
    assert summary.startswith(f"5 records written to {out}\n")
    if not relations:
        assert "has no relations" in summary
    if not attrs:
        assert "attributes" in summary
    fresh = url(tmp_path / "fresh.db")
    result = run_cli(
        capsys, "import", "--db", fresh, "--format", name, str(out), *UNIT.get(name, [])
    )
    assert result.code == 0, result.err
    assert f"{out}: 5 documents; articles: 4 added" in result.err
    assert contents(fresh, relations, attrs) == contents(source, relations, attrs)


def test_native_round_trip_keeps_everything_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Spans over an emoji, a ZWJ sequence, a flag and a combining mark, ids, attributes,
    origins and relations come back as they were; exporting again gives the same bytes."""
    database = url(tmp_path / "source.db")
    store = Store.open(database)
    ids: dict[str, tuple[list[Span], list[Relation]]] = {}
    try:
        store.import_articles(ArticleIn(external_id=k, title=k, text=t) for k, t in TEXTS.items())
        for key, needle in (
            ("emoji", "😀"),
            ("zwj", "👩‍🔬"),
            ("flag", "🇮🇩"),
            ("combining", "Rene\u0301"),
        ):
            article_id, text = store.find_article(key) or 0, TEXTS[key]
            symbol = on(text, needle, "NORP", attrs={"kind": key, "score": 0.5})
            person = on(text, PEOPLE[key], "PER").model_copy(update={"origin": Origin.SUGGESTED})
            spans = [store.add_span(article_id, "ana", span) for span in (symbol, person)]
            link = Relation(head=spans[1].id, child=spans[0].id, label="member_of")
            relations = [store.add_relation(article_id, "ana", link)]
            ids[key] = (spans, relations)
    finally:
        store.close()
    first = tmp_path / "first.jsonl"
    export(capsys, database, "--out", str(first))
    fresh = url(tmp_path / "fresh.db")
    assert run_cli(capsys, "import", "--db", fresh, "--format", "jsonl", str(first)).code == 0
    second = tmp_path / "second.jsonl"
    export(capsys, fresh, "--out", str(second))
    assert second.read_bytes() == first.read_bytes()

    records = {r["article_id"]: r for r in map(orjson.loads, second.read_bytes().splitlines())}
    for key, (spans, relations) in ids.items():
        line = records[key]
        assert line["text"].encode() == TEXTS[key].encode()
        assert [
            (s["id"], s["start"], s["end"], s["text"], s["attrs"], s["origin"])
            for s in line["spans"]
        ] == [(s.id, s.start, s.end, s.text, s.attrs, s.origin.value) for s in spans]
        assert [(r["id"], r["head"], r["child"], r["label"]) for r in line["relations"]] == [
            (r.id, r.head, r.child, r.label) for r in relations
        ]
    assert "\r\n" in records["emoji"]["text"]


def test_conll_export(source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    needs("conll")
    out = tmp_path / "out.conll"
    summary = export(capsys, source, "--format", "conll", "--out", str(out))
    assert summary.startswith(f"5 records written to {out}\n")
    assert "CoNLL carries no relations" in summary
    assert out.read_text(encoding="utf-8").count("-DOCSTART-") == 5


def test_spacy_export(source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    needs("spacy_docbin")
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    out = tmp_path / "out.spacy"
    assert export(capsys, source, "--format", "spacy", "--out", str(out)) == (
        f"5 records written to {out}\n"
    )
    docs = list(DocBin().from_disk(out).get_docs(spacy.blank("xx").vocab))
    assert sorted(doc.text for doc in docs) == sorted([*TEXTS.values(), TEXTS["emoji"]])
    assert sum(len(doc.spans["sc"]) for doc in docs) == 11


def test_spacy_alignment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    needs("spacy_docbin")
    pytest.importorskip("spacy")
    database = url(tmp_path / "db.db")
    store = Store.open(database)
    try:
        store.import_articles([ArticleIn(external_id="a", title="a", text=TEXTS["zwj"])])
        part_of_a_word = on(TEXTS["zwj"], "Rahm", "PER")
        store.add_span(store.find_article("a") or 0, "ana", part_of_a_word)
    finally:
        store.close()
    out = tmp_path / "out.spacy"
    strict = export(capsys, database, "--format", "spacy", "--out", str(out))
    expanded = export(capsys, database, "--format", "spacy", "--align", "expand", "--out", str(out))
    assert "not on spaCy token boundaries: 1" in strict
    assert "widened to spaCy token boundaries: 1" in expanded


def test_datasets_loads_every_record_of_the_native_export(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    datasets = pytest.importorskip("datasets")
    # Its progress bars would leave a monitoring thread running, which keeps later imports in
    # this process from reading their files in a second process.
    monkeypatch.setattr("tqdm.std.tqdm.monitor_interval", 0)
    out = tmp_path / "export.jsonl"
    export(capsys, source, "--out", str(out))
    loaded = datasets.load_dataset(
        "json", data_files=str(out), split="train", cache_dir=str(tmp_path / "hf")
    )
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert loaded.num_rows == len(lines) == 5
    for row, line in zip(loaded, lines, strict=True):
        assert (row["article_id"], row["annotator"], row["text"]) == (
            line["article_id"],
            line["annotator"],
            line["text"],
        )
        assert [(s["start"], s["end"], s["label"]) for s in row["spans"]] == [
            (s["start"], s["end"], s["label"]) for s in line["spans"]
        ]
        for span in row["spans"]:
            assert row["text"][span["start"] : span["end"]] == span["text"]


# Export options


def test_filters(source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.jsonl"

    def exported(*argv: str) -> list[tuple[str, str, list[str], list[str]]]:
        export(capsys, source, "--out", str(out), *argv)
        return [
            (r["article_id"], r["annotator"], [s["label"] for s in r["spans"]],
             sorted(x["label"] for x in r["relations"]))
            for r in map(orjson.loads, out.read_bytes().splitlines())
        ]  # fmt: skip

    assert exported("--labels", "QUOTE, PER") == [
        ("emoji", "ana", ["PER"], []),
        ("zwj", "ana", ["PER"], []),
        ("flag", "ana", ["PER"], []),
        ("combining", "ana", ["PER"], []),
        ("emoji", "budi", ["PER", "QUOTE"], ["speaker"]),
    ]
    assert exported("--articles", "flag,zwj", "--labels", "GPE") == [
        ("zwj", "ana", ["GPE"], []),
        ("flag", "ana", ["GPE"], []),
    ]
    assert exported("--annotator", "budi", "--status", "in_progress") == [
        ("emoji", "budi", ["PER", "CUE", "QUOTE"], ["cue", "speaker"]),
    ]


def test_unknown_article_is_an_error(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    result = run_cli(capsys, "export", "--db", source, "--out", str(out), "--articles", "zwj,nope")
    assert_clean_error(result, "no article with id 'nope' in the database")
    assert not out.exists()


@pytest.mark.parametrize("name", ["Ana", "ana ", "nobody", ""])
def test_unknown_annotator_is_an_error_naming_the_annotators(
    name: str, source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"previous\n")
    result = run_cli(capsys, "export", "--db", source, "--out", str(out), "--annotator", name)
    assert_clean_error(
        result, f"no annotator named {name!r} in the database; the annotators are 'ana', 'budi'"
    )
    assert out.read_bytes() == b"previous\n"


def test_a_label_no_span_has_is_an_error_naming_the_labels(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"previous\n")
    result = run_cli(capsys, "export", "--db", source, "--out", str(out), "--labels", "PER,per")
    assert_clean_error(result, "no span has the label 'per'; the labels are ")
    assert "'PER'" in result.err
    assert out.read_bytes() == b"previous\n"


def test_unknown_annotator_in_a_database_without_any(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    result = run_cli(capsys, "export", "--db", db_url, "--out", str(out), "--annotator", "ana")
    assert_clean_error(result, "no annotator named 'ana' in the database; it has none")
    assert not out.exists()


@pytest.mark.parametrize("option", ["--labels", "--articles"])
@pytest.mark.parametrize("value", ["", " ", ",", " , "])
def test_an_empty_filter_is_an_error(
    option: str, value: str, source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"previous\n")
    result = run_cli(capsys, "export", "--db", source, "--out", str(out), option, value)
    assert_clean_error(result, f"{option} is empty: give one or more")
    assert len(result.err.splitlines()) == 1
    assert out.read_bytes() == b"previous\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--format", "brat", "--out", "-"],
            "the brat format cannot be written to standard output",
        ),
        (["--format", "spacy", "--out", "-"], "the spacy format cannot be written to standard"),
        (["--align", "expand", "--out", "x.jsonl"], "--align applies only to --format spacy"),
    ],
)
def test_export_usage_errors(
    argv: list[str], message: str, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_clean_error(run_cli(capsys, "export", "--db", source, *argv), message)


def test_text_formats_go_to_standard_output(
    source: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    from annotator.__main__ import main

    needs("doccano")
    assert main(["export", "--db", source, "--format", "doccano-rel", "--out", "-"]) == 0
    lines = capsysbinary.readouterr().out.splitlines()
    assert [orjson.loads(line)["article_id"] for line in lines] == [*TEXTS, "emoji"]


def test_an_interrupted_export_leaves_no_file(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: Store, **filters: Any) -> Any:
        yield from list(original(self, **filters))[:2]
        raise KeyboardInterrupt

    original = Store.iter_export
    monkeypatch.setattr(Store, "iter_export", interrupted)
    out = tmp_path / "out.jsonl"
    result = run_cli(capsys, "export", "--db", source, "--out", str(out))
    assert result.code == 130
    assert result.err == "annotator: error: interrupted: nothing was written\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source.db"]


# Import


def native_line(
    external_id: str, text: str, spans: list[dict[str, Any]], annotator: str | None = "ana"
) -> bytes:
    record = {
        "article_id": external_id,
        "title": external_id,
        "text": text,
        "text_sha256": text_sha256(text),
        "meta": {},
        "annotator": annotator,
        "status": "done",
        "spans": spans,
        "relations": [],
    }
    return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)


def native_span(
    text: str, needle: str, label: str, span_id: str, claimed: str = ""
) -> dict[str, Any]:
    start = text.index(needle)
    return {
        "id": span_id,
        "start": start,
        "end": start + len(needle),
        "label": label,
        "text": claimed or needle,
        "attrs": {},
        "origin": "manual",
    }


@pytest.fixture
def with_bad_span(tmp_path: Path) -> Path:
    """Three documents; the second has a span whose text does not match the article."""
    path = tmp_path / "data.jsonl"
    zwj, flag, emoji = TEXTS["zwj"], TEXTS["flag"], TEXTS["emoji"]
    path.write_bytes(
        native_line("zwj", zwj, [native_span(zwj, "Lagos", "GPE", "s1")])
        + native_line(
            "flag",
            flag,
            [
                native_span(flag, "Budi", "PER", "s2"),
                native_span(flag, "Pekalongan", "GPE", "s3", claimed="Pekalongen"),
            ],
        )
        + native_line("emoji", emoji, [native_span(emoji, "Jakarta", "GPE", "s4")])
    )  # fmt: skip
    return path


def stats(capsys: pytest.CaptureFixture[str], database: str) -> dict[str, Any]:
    result = run_cli(capsys, "stats", "--db", database, "--json")
    assert result.code == 0, result.err
    data: dict[str, Any] = orjson.loads(result.out)
    return data


def test_an_invalid_span_rolls_back_the_whole_file(
    with_bad_span: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "import", "--db", db_url, "--format", "jsonl", str(with_bad_span))
    assert_clean_error(
        result,
        f"{with_bad_span}:2: spans[1] (s3): should read 'Pekalongen'",
        "(nothing imported from this file; --skip-invalid imports the rest)",
    )
    assert len(result.err.splitlines()) == 1
    assert stats(capsys, db_url)["articles"] == 0


def test_skip_invalid_imports_the_rest_and_lists_what_was_left_out(
    with_bad_span: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["import", "--db", db_url, "--format", "jsonl", "--skip-invalid", str(with_bad_span)]
    result = run_cli(capsys, *argv)
    assert result.code == 0, result.err
    assert result.err.splitlines() == [
        f"skipped: {with_bad_span}:2: spans[1] (s3): should read 'Pekalongen' but the text at "
        "[25, 35) is 'Pekalongan'",
        f"{with_bad_span}: 3 documents; articles: 3 added, 0 already present; spans: 3 added, "
        "0 already present; relations: 0 added, 0 already present; 1 skipped",
    ]
    assert stats(capsys, db_url)["labels"] == {"GPE": 2, "PER": 1}


def test_importing_a_file_again_adds_nothing(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    needs("doccano")
    for name in ("jsonl", "doccano-rel"):  # with span ids, and without
        out = tmp_path / f"{name}.jsonl"
        export(capsys, source, "--format", name, "--out", str(out))
        fresh = url(tmp_path / f"{name}.db")
        argv = ["import", "--db", fresh, "--format", name, str(out), *UNIT.get(name, [])]
        assert run_cli(capsys, *argv).code == 0
        before = stats(capsys, fresh)
        again = run_cli(capsys, *argv)
        assert again.code == 0, again.err
        assert again.err == (
            f"{out}: 5 documents; articles: 0 added, 4 already present; spans: 0 added, "
            "11 already present; relations: 0 added, 6 already present\n"
        )
        assert stats(capsys, fresh) == before


def test_same_id_with_a_different_text_is_an_error(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "changed.jsonl"
    changed = TEXTS["zwj"].replace("Lagos", "Lyon")
    path.write_bytes(
        native_line("new", "Artikel baru.", [])
        + native_line("zwj", changed, [native_span(changed, "Lyon", "GPE", "x1")])
    )
    before = stats(capsys, source)
    result = run_cli(capsys, "import", "--db", source, "--format", "jsonl", str(path))
    assert_clean_error(result, f"{path}:2: article 'zwj' is already stored with a different text")
    assert stats(capsys, source) == before


def test_label_studio_regions_sharing_an_id_are_refused(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def region(ident: str, start: int, end: int, label: str) -> dict[str, Any]:
        value = {"start": start, "end": end, "labels": [label]}
        return {
            "id": ident,
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": value,
        }

    results = [
        region("r1", 0, 5, "PER"),
        region("r1", 10, 13, "GPE"),
        region("r3", 5, 9, "CUE"),
        {"from_id": "r3", "to_id": "r1", "type": "relation", "labels": ["speaker"]},
    ]
    path = tmp_path / "tasks.json"
    task = {"data": {"text": "Joko tiba Ubud."}, "annotations": [{"result": results}]}
    path.write_bytes(orjson.dumps([task]))
    argv = ["import", "--db", db_url, "--format", "labelstudio", "--annotator", "ika", str(path)]
    result = run_cli(capsys, *argv)
    assert_clean_error(result, f"{path}: task 1, annotation 1, result 2: region id 'r1'")
    assert stats(capsys, db_url)["articles"] == 0

    result = run_cli(capsys, *argv, "--skip-invalid")
    assert result.code == 0, result.err
    assert f"skipped: {path}: task 1, annotation 1, result 2: region id 'r1'" in result.err
    assert stats(capsys, db_url)["relations"] == 1


def test_default_annotator(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    needs("doccano")
    path = tmp_path / "plain.jsonl"
    path.write_text('{"text": "Budi di Jakarta.", "label": [[8, 15, "GPE"]]}\n', encoding="utf-8")
    result = run_cli(capsys, "import", "--db", db_url, "--format", "doccano", str(path))
    assert_clean_error(result, f"{path}:1: the document names no annotator")
    argv = ["import", "--db", db_url, "--format", "doccano", "--annotator", "ika", str(path)]
    assert run_cli(capsys, *argv).code == 0
    assert list(stats(capsys, db_url)["annotators"]) == ["ika"]


def test_a_reader_that_cannot_be_loaded_is_a_clean_error(
    with_bad_span: Path,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from annotator.formats import registry

    monkeypatch.setitem(registry._READERS, "jsonl", registry._Entry("annotator.no_such", "r"))
    result = run_cli(capsys, "import", "--db", db_url, "--format", "jsonl", str(with_bad_span))
    assert_clean_error(result, "the jsonl format is not available")


def test_format_options_need_a_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Judul\nIsi.", encoding="utf-8")
    for option in (["--annotator", "ana"], ["--offset-unit", "utf16"], ["--skip-invalid"]):
        result = run_cli(capsys, "import", str(article), *option)
        assert_clean_error(result, f"{option[0]} applies only to annotated files: give --format")


def test_an_interrupted_import_is_rolled_back(
    tmp_path: Path,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl+C once the rows are written, before the commit."""
    from annotator.progress import ProgressBar

    zwj = TEXTS["zwj"]
    path = tmp_path / "data.jsonl"
    path.write_bytes(native_line("zwj", zwj, [native_span(zwj, "Lagos", "GPE", "s1")]))

    def interrupted(self: ProgressBar, done: int) -> None:
        if done:
            raise KeyboardInterrupt

    monkeypatch.setattr(ProgressBar, "update", interrupted)
    result = run_cli(capsys, "import", "--db", db_url, "--format", "jsonl", str(path))
    assert result.code == 130
    assert result.err == "annotator: error: interrupted: the file being imported was rolled back\n"
    monkeypatch.undo()
    assert stats(capsys, db_url)["articles"] == 0


# stats and validate


def test_stats_table(source: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "stats", "--db", source)
    assert result.code == 0, result.err
    assert result.out == (
        "           count\n"
        "articles       4\n"
        "spans         11\n"
        "relations      6\n"
        "\n"
        "label  spans\n"
        "PER        5\n"
        "GPE        4\n"
        "CUE        1\n"
        "QUOTE      1\n"
        "\n"
        "annotator  todo  in_progress  done  skipped  spans  relations\n"
        "ana           0            0     4        0      8          4\n"
        "budi          3            1     0        0      3          2\n"
    )


def test_stats_json(source: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert stats(capsys, source) == {
        "articles": 4,
        "spans": 11,
        "relations": 6,
        "labels": {"PER": 5, "GPE": 4, "CUE": 1, "QUOTE": 1},
        "annotators": {
            "ana": {
                "statuses": {"todo": 0, "in_progress": 0, "done": 4, "skipped": 0},
                "spans": 8,
                "relations": 4,
            },
            "budi": {
                "statuses": {"todo": 3, "in_progress": 1, "done": 0, "skipped": 0},
                "spans": 3,
                "relations": 2,
            },
        },
    }


def test_validate_a_good_file(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_user_data: Path
) -> None:
    out = tmp_path / "out.jsonl"
    export(capsys, source, "--out", str(out))
    result = run_cli(capsys, "validate", str(out), "--format", "jsonl")
    assert (result.code, result.out, result.err) == (
        0,
        f"{out}: ok: 5 documents, 11 spans, 6 relations\n",
        "",
    )
    assert not isolated_user_data.exists()  # no database was opened


def test_validate_lists_every_problem(
    with_bad_span: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    twice = TEXTS["zwj"] + " Lagi."
    with_bad_span.write_bytes(
        with_bad_span.read_bytes() + native_line("zwj", twice, [])  # same id, another text
    )
    result = run_cli(capsys, "validate", str(with_bad_span), "--format", "jsonl")
    assert result.code == 1
    assert result.out == ""
    assert result.err.splitlines() == [
        f"{with_bad_span}:2: spans[1] (s3): should read 'Pekalongen' but the text at [25, 35) "
        "is 'Pekalongan'",
        f"{with_bad_span}:4: article 'zwj' has a different text than at {with_bad_span}:1",
        f"annotator: error: {with_bad_span}: 2 problem(s): the lines above would not be imported",
    ]


def test_validate_reports_an_unreadable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    needs("doccano")
    path = tmp_path / "doccano.jsonl"
    path.write_text(
        orjson.dumps({"text": TEXTS["zwj"], "label": [[12, 23, "PER"]]}).decode() + "\n{oops\n",
        encoding="utf-8",
    )
    result = run_cli(capsys, "validate", str(path), "--format", "doccano")
    assert_clean_error(result, f"{path}:1")
    ok = run_cli(capsys, "validate", str(path), "--format", "doccano", "--offset-unit", "codepoint")
    assert_clean_error(ok, f"{path}:2: malformed JSON")


def test_a_database_error_names_the_file_and_the_next_file_is_still_tried(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Say a concurrent import added the same article first: the file is refused, named."""
    db = f"sqlite:///{tmp_path / 'busy.db'}"
    Store.open(db).close()
    with sqlite3.connect(tmp_path / "busy.db") as connection:
        connection.execute(
            "CREATE TRIGGER taken BEFORE INSERT ON articles WHEN NEW.external_id = 'a1' "
            "BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: articles.external_id'); END"
        )
    for name, external_id in (("first.jsonl", "a1"), ("second.jsonl", "a2")):
        line = orjson.dumps({"id": external_id, "text": f"Artikel {external_id}."})
        (tmp_path / name).write_bytes(line + b"\n")
    for options in ([], ["--format", "jsonl"]):
        files = [str(tmp_path / "first.jsonl"), str(tmp_path / "second.jsonl")]
        if options:  # annotated lines
            for path, external_id in zip(files, ("a1", "a3"), strict=True):
                text = f"Artikel {external_id}."
                record = {
                    "article_id": external_id,
                    "title": "t",
                    "text": text,
                    "text_sha256": text_sha256(text),
                    "meta": {},
                    "annotator": "ana",
                    "status": "done",
                    "spans": [],
                    "relations": [],
                }
                Path(path).write_bytes(orjson.dumps(record) + b"\n")
        result = run_cli(capsys, "import", *options, "--db", db, *files)
        assert_clean_error(
            result,
            f"{files[0]}: database error: UNIQUE constraint failed: articles.external_id "
            "(nothing imported from this file)",
        )
        assert f"{files[1]}: " in result.err  # the second file was imported


def test_an_export_that_would_replace_the_database_beside_its_output_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Label Studio's config goes beside the tasks, and brat replaces its whole folder."""
    text = "Budi Santoso tiba di Jakarta."
    for database, format_name, out in (
        (tmp_path / "ls" / "tasks.config.xml", "labelstudio", tmp_path / "ls" / "tasks.json"),
        (tmp_path / "brat" / "annotator.db", "brat", tmp_path / "brat"),
    ):
        database.parent.mkdir()
        db = f"sqlite:///{database}"
        store = Store.open(db)
        article = store.import_articles([ArticleIn(external_id="a1", title="t", text=text)])
        assert article.added == 1
        store.add_span(store.find_article("a1") or 0, "ana", Span.of(text, 0, 4, "PER"))
        store.close()
        result = run_cli(capsys, "export", "--format", format_name, "--db", db, "--out", str(out))
        assert_clean_error(result, "choose another output")
        reopened = Store.open(db)
        try:
            assert reopened.stats().spans == 1
        finally:
            reopened.close()


def test_a_blank_annotator_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "doccano.jsonl"
    source.write_bytes(orjson.dumps({"text": "Budi tiba.", "label": [[0, 4, "PER"]]}) + b"\n")
    db = f"sqlite:///{tmp_path / 'a.db'}"
    result = run_cli(
        capsys, "import", "--format", "doccano", "--annotator", " ", "--db", db, str(source)
    )
    assert_clean_error(result, "--annotator is blank")


@pytest.mark.parametrize(
    ("format_name", "line"),
    [
        (
            "doccano",
            b'{"text": "Budi tiba.", "label": [[0, 4, "PER"]], '
            b'"big": 123456789012345678901234567890}',
        ),
        (
            "prodigy",
            b'{"text": "Budi tiba.", "answer": "accept", "spans": [], '
            b'"meta": {"big": 123456789012345678901234567890}}',
        ),
    ],
)
def test_an_integer_beyond_64_bits_is_refused_by_every_jsonl_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], format_name: str, line: bytes
) -> None:
    source = tmp_path / f"{format_name}.jsonl"
    source.write_bytes(line + b"\n")
    db = f"sqlite:///{tmp_path / 'a.db'}"
    argv = ["import", "--format", format_name, "--annotator", "ana", "--db", db, str(source)]
    result = run_cli(capsys, *argv)
    assert_clean_error(result, "big: the integer 123456789012345678901234567890 is beyond 64 bits")


def test_offsets_of_an_unknown_unit_ask_for_offset_unit(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    needs("doccano")
    path = tmp_path / "doccano.jsonl"
    path.write_bytes(orjson.dumps({"text": TEXTS["zwj"], "label": [[12, 23, "PER"]]}) + b"\n")
    unknown = (
        f"annotator: error: cannot tell whether offsets in {path}:1 count code points, UTF-16 "
        "code units or grapheme clusters; the text has characters outside the BMP, combining "
        "marks or CRLF; give --offset-unit"
    )
    argv = ["--format", "doccano", "--annotator", "ana", str(path)]
    imported = run_cli(capsys, "import", "--db", db_url, *argv)
    assert imported.code == 1
    assert imported.err == f"{unknown} (nothing imported from this file)\n"
    validated = run_cli(capsys, "validate", "--format", "doccano", str(path))
    assert validated.code == 1
    assert validated.err == f"{unknown}\n"
