"""Time bulk import and export of native JSONL: the whole command-line process against Label
Studio's and doccano's figures, the export stream against a raw SQLite read, and peak memory.

Workloads (deterministic, see ``workload.py``): 2,000 articles of about 3,000 characters with
20 spans each for the command-line timings; 10,000 articles with 50 spans each (500,000 spans)
for throughput; 2,000 against 10,000 articles with 50 spans each for memory.

Run: .venv/bin/python benchmarks/exchange.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from annotator.core.text import text_sha256
from workload import USER, child_environment, make_workload, table, temp_dir, verdict

CHARS = 3_000
SMALL = (2_000, 20)  # articles, spans per article: the command-line workload
BIG = (10_000, 50)  # the throughput workload: 500,000 spans
MEMORY = ((2_000, 50), BIG)
SEED = 4_000
# Published figures for the same workload (2,000 articles, ~3,000 characters, 20 spans each).
OTHERS = {
    "Label Studio 1.23": {"import": 2.8, "export": 2.9},
    "doccano": {"import": 8.7, "export": 6.8},
}
TARGET_SPEEDUP = 5.0  # against Label Studio
# What importing SQLAlchemy costs a fresh process on the machine those figures come from:
# how much slower this one is, for perspective (the verdicts use the figures as published).
REFERENCE_SQLALCHEMY_S = 0.18
TARGET_RAW_SHARE = 0.5  # native export throughput over a raw sqlite3 + orjson export
MEMORY_GROWTH = 1.25  # peak memory at 10,000 articles over 2,000, at most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs of each timing (default 5)")
    runs = max(parser.parse_args().runs, 1)
    with temp_dir("annotator-bench-exchange-") as folder:
        tmp = Path(folder)
        command_line(tmp, runs)
        throughput(tmp, runs)
        memory(tmp)


# ------------------------------------------------------------------ workloads and commands


def records(articles: int, spans: int) -> Iterator[dict[str, Any]]:
    """Native JSONL records, spans in export order, so an export reproduces the file."""
    for number in range(articles):
        work = make_workload(f"bench-{number:05d}", CHARS, spans, SEED + number)
        ordered = sorted(work.spans, key=lambda s: (s["start"], s["end"], s["id"]))
        yield {
            "article_id": work.external_id,
            "title": work.title,
            "text": work.text,
            "text_sha256": text_sha256(work.text),
            "meta": {},
            "source": None,
            "url": None,
            "published": None,
            "language": None,
            "annotator": USER,
            "status": "done",
            "spans": [{key: span[key] for key in _SPAN_KEYS} for span in ordered],
            "relations": [],
        }


_SPAN_KEYS = ("id", "start", "end", "label", "text", "attrs", "origin")


def write_workload(path: Path, articles: int, spans: int) -> int:
    with path.open("wb") as out:
        for record in records(articles, spans):
            out.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
    return path.stat().st_size


def annotator(*argv: str) -> list[str]:
    return [sys.executable, "-m", "annotator", *argv]


def run(command: list[str]) -> float:
    """Seconds the command takes from process start to exit; it must succeed."""
    start = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, env=child_environment()
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return seconds


# Runs annotator and reports the process's peak resident memory, and that of the process an
# import forks to read its files (0 if none). ru_maxrss of this process would also count the
# benchmark's own memory, which the child holds between fork and exec; VmHWM does not. The
# reading process is forked from annotator itself, so its ru_maxrss is its own.
_MEASURED = """
import resource, sys
from annotator.__main__ import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:
    peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
reading = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"peak {peak} kB {reading} kB", file=sys.stderr)
sys.exit(code)
"""


# The least one Python process can do to load the file with this stack, as a floor for an
# import that reads and writes in the same process: start, import SQLAlchemy and pydantic (the
# export record's model), validate each line with it, check the text's hash and each span's
# text, insert articles, sets and spans with executemany through the driver (the database's
# pragmas applied), commit. Nothing else: no matching of what is already stored, no id
# collisions, no reports, no error messages.
_FLOOR = """
import gc, hashlib, os, sys
gc.disable()  # as the import does while it reads
import orjson
from annotator.formats.native_jsonl import ExportRecord
from annotator.storage.database import create_db_engine
articles, sets, spans = [], [], []
with open(sys.argv[2], "rb") as lines:
    for number, line in enumerate(lines, 1):
        record = ExportRecord.model_validate(orjson.loads(line))
        text = record.text
        assert hashlib.sha256(text.encode()).hexdigest() == record.text_sha256
        articles.append((number, record.article_id, record.title, text, record.text_sha256,
                         orjson.dumps(record.meta).decode(), "2026-01-01 00:00:00"))
        sets.append((number, number, 1, record.status.value, "2026-01-01 00:00:00"))
        for span in record.spans:
            assert text[span.start:span.end] == span.text
            spans.append((span.id, number, span.start, span.end, span.label, span.text,
                          orjson.dumps(span.attrs).decode(), span.origin.value,
                          "2026-01-01 00:00:00", "2026-01-01 00:00:00"))
with create_db_engine(sys.argv[1]).begin() as connection:
    run = connection.exec_driver_sql
    run("INSERT INTO annotators (id, name) VALUES (1, 'bench')")
    run("INSERT INTO articles (id, external_id, title, text, text_sha256, meta, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", articles)
    run("INSERT INTO annotation_sets (id, article_id, annotator_id, status, updated_at) "
        "VALUES (?, ?, ?, ?, ?)", sets)
    run('INSERT INTO spans (id, set_id, start, "end", label, text, attrs, origin, created_at, '
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", spans)
os._exit(0)
"""


def peak_rss_mb(*argv: str) -> tuple[float, float]:
    """Peak resident memory of an ``annotator`` process and of the process it forked to read
    files, if any (Linux), in MB."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, *argv],
        capture_output=True,
        text=True,
        check=False,
        env=child_environment(),
    )
    if done.returncode != 0:
        sys.exit(f"annotator {' '.join(argv)} failed:\n{done.stderr}")
    fields = done.stderr.splitlines()[-1].split()
    return int(fields[1]) / 1024, int(fields[3]) / 1024


def empty_database(path: Path) -> None:
    from annotator.storage.store import Store

    Store.open(f"sqlite:///{path}").close()


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def mb(size: int) -> float:
    return size / 1_000_000


# --------------------------------------------------------------------------- command line


def command_line(tmp: Path, runs: int) -> None:
    articles, spans = SMALL
    data = tmp / "small.jsonl"
    size = write_workload(data, articles, spans)
    template = tmp / "empty.db"
    empty_database(template)
    fixed = [run(annotator("stats", "--db", url(template))) for _ in range(runs)]
    importing_sqlalchemy = [run([sys.executable, "-c", "import sqlalchemy"]) for _ in range(runs)]

    imports, created, floor = [], [], []
    for number in range(runs):
        database = tmp / f"small-{number}.db"
        shutil.copy(template, database)
        imports.append(
            run(annotator("import", "--format", "jsonl", "--db", url(database), str(data)))
        )
        bare = tmp / f"floor-{number}.db"
        shutil.copy(template, bare)
        floor.append(run([sys.executable, "-c", _FLOOR, url(bare), str(data)]))
        fresh = tmp / f"created-{number}.db"
        created.append(run(annotator("import", "--format", "jsonl", "--db", url(fresh), str(data))))
    out = tmp / "small-export.jsonl"
    export_command = annotator("export", "--db", url(tmp / "small-0.db"), "--out", str(out))
    exports = [run(export_command) for _ in range(runs)]
    identical = out.read_bytes() == data.read_bytes()

    timings = {"import": statistics.median(imports), "export": statistics.median(exports)}
    print(
        f"Command line, whole process: {articles:,} articles of ~{CHARS:,} characters, "
        f"{spans} spans each, native JSONL ({mb(size):.1f} MB); median of {runs} runs"
    )
    rows = []
    for step, seconds in timings.items():
        row: list[object] = [f"annotator {step}", seconds, mb(size) / seconds]
        for figures in OTHERS.values():
            row += [figures[step], figures[step] / seconds]
        target = OTHERS["Label Studio 1.23"][step] / TARGET_SPEEDUP
        row += [f"<= {target:.2f}", verdict(seconds <= target)]
        rows.append(row)
    headers = ["step", "s", "MB/s"]
    for name in OTHERS:
        headers += [f"{name} s", "x faster"]
    print(table([*headers, "target s", ""], rows))
    print(
        f"import into a database the command creates (schema migrations included): "
        f"{statistics.median(created):.2f} s\nfixed cost of a command that opens a database "
        f"(annotator stats on an empty one): {statistics.median(fixed):.2f} s\n"
        f"floor of an import in one process with this stack (start, import SQLAlchemy and "
        f"pydantic, validate, check, executemany, commit; nothing else): "
        f"{statistics.median(floor):.2f} s"
    )
    speed = statistics.median(importing_sqlalchemy) / REFERENCE_SQLALCHEMY_S
    print(
        f"this machine against the one the targets were set on: a process that imports "
        f"SQLAlchemy takes {statistics.median(importing_sqlalchemy):.2f} s here, "
        f"{REFERENCE_SQLALCHEMY_S:.2f} s there ({speed:.1f}x); at that speed the targets "
        f"would be {OTHERS['Label Studio 1.23']['import'] / TARGET_SPEEDUP * speed:.2f} s "
        f"(import) and {OTHERS['Label Studio 1.23']['export'] / TARGET_SPEEDUP * speed:.2f} s "
        "(export)"
    )
    print(f"export reproduces the imported file byte for byte: {'yes' if identical else 'NO'}\n")


# ----------------------------------------------------------------------------- throughput


def throughput(tmp: Path, runs: int) -> None:
    from annotator.core.schema import load_schema
    from annotator.formats.base import ExportReport, ImportOptions
    from annotator.formats.registry import reader_for, writer_for
    from annotator.resources import default_schema_path
    from annotator.storage.store import Store

    articles, spans = BIG
    data = tmp / "big.jsonl"
    size = write_workload(data, articles, spans)
    database = tmp / "big.db"
    store = Store.open(url(database))
    start = time.perf_counter()
    store.import_documents(reader_for("jsonl").read(data, ImportOptions()), None)
    import_seconds = time.perf_counter() - start

    schema = load_schema(default_schema_path())
    writer = writer_for("jsonl")
    native_out, raw_out = tmp / "native.jsonl", tmp / "raw.jsonl"
    native, raw = [], []
    for _ in range(runs):  # alternate, so drift affects both alike
        start = time.perf_counter()
        writer.write(store.iter_export(), native_out, schema, ExportReport())
        native.append(time.perf_counter() - start)
        start = time.perf_counter()
        raw_export(database, raw_out)
        raw.append(time.perf_counter() - start)
    store.close()
    identical = native_out.read_bytes() == raw_out.read_bytes() == data.read_bytes()

    out_mb = mb(native_out.stat().st_size)
    native_s, raw_s = statistics.median(native), statistics.median(raw)
    share = raw_s / native_s
    print(
        f"Throughput, in process: {articles:,} articles, {articles * spans:,} spans "
        f"({out_mb:.1f} MB of native JSONL); median of {runs} runs"
    )
    print(
        table(
            ["export", "s", "MB/s", "share of raw", "target", ""],
            [
                ["raw sqlite3 + orjson", raw_s, out_mb / raw_s, 1.0, "", ""],
                [
                    "Store.iter_export + jsonl writer",
                    native_s,
                    out_mb / native_s,
                    share,
                    f">= {TARGET_RAW_SHARE:.2f}",
                    verdict(share >= TARGET_RAW_SHARE),
                ],
            ],
        )
    )
    print(
        "both write atomically (temporary file, fsync, rename); both outputs equal the imported "
        f"file: {'yes' if identical else 'NO'}"
    )
    print(
        f"in-process import of that file (Store.import_documents): {import_seconds:.2f} s, "
        f"{mb(size) / import_seconds:.1f} MB/s\n"
    )


def raw_export(database: Path, target: Path) -> None:
    """The same lines with nothing between sqlite3 and orjson: two ordered cursors merged,
    written as every export is (temporary file, fsync, rename)."""
    import sqlite3

    from annotator.formats.atomic import atomic_output

    connection = sqlite3.connect(database)
    try:
        sets = connection.execute(
            "SELECT s.id, s.status, n.name, a.external_id, a.title, a.text, a.text_sha256, "
            "a.meta, a.source, a.url, a.published, a.language "
            "FROM annotation_sets s JOIN annotators n ON n.id = s.annotator_id "
            "JOIN articles a ON a.id = s.article_id "
            "WHERE EXISTS (SELECT 1 FROM spans x WHERE x.set_id = s.id) ORDER BY s.id"
        )
        spans = connection.execute(
            'SELECT set_id, id, start, "end", label, text, attrs, origin FROM spans '
            'ORDER BY set_id, start, "end", id'
        )
        pending = next(spans, None)
        loads, dumps, newline = orjson.loads, orjson.dumps, orjson.OPT_APPEND_NEWLINE
        with atomic_output(target) as out:
            for (
                set_id,
                status,
                name,
                external_id,
                title,
                text,
                digest,
                meta,
                source,
                url,
                published,
                language,
            ) in sets:
                found = []
                while pending is not None and pending[0] <= set_id:
                    if pending[0] == set_id:
                        _, span_id, start, end, label, span_text, attrs, origin = pending
                        found.append(
                            {
                                "id": span_id,
                                "start": start,
                                "end": end,
                                "label": label,
                                "text": span_text,
                                "attrs": loads(attrs),
                                "origin": origin,
                            }
                        )
                    pending = next(spans, None)
                record = {
                    "article_id": external_id,
                    "title": title,
                    "text": text,
                    "text_sha256": digest,
                    "meta": loads(meta),
                    "source": source,
                    "url": url,
                    "published": published,
                    "language": language,
                    "annotator": name,
                    "status": status,
                    "spans": found,
                    "relations": [],
                }
                out.write(dumps(record, option=newline))
    finally:
        connection.close()


# --------------------------------------------------------------------------------- memory


def memory(tmp: Path) -> None:
    """Import and export workloads that differ only in the number of articles."""
    measured: dict[str, list[tuple[float, float]]] = {"import": [], "export": []}  # MB, s
    reading: list[tuple[float, float]] = []  # the import's reading process: MB, s
    for articles, spans in MEMORY:
        data = tmp / f"memory-{articles}.jsonl"
        write_workload(data, articles, spans)
        database = url(tmp / f"memory-{articles}.db")
        out = tmp / f"memory-{articles}-export.jsonl"
        for step, argv in (
            ("import", ["import", "--format", "jsonl", "--db", database, str(data)]),
            ("export", ["export", "--db", database, "--out", str(out)]),
        ):
            start = time.perf_counter()
            peak, forked = peak_rss_mb(*argv)
            seconds = time.perf_counter() - start
            measured[step].append((peak, seconds))
            if forked:
                reading.append((forked, seconds))
    if len(reading) == len(MEMORY):
        measured["import, reading process"] = reading
    (small, spans), (big, _) = MEMORY
    print(f"Whole process, peak memory (VmHWM): articles of ~{CHARS:,} characters, {spans} spans")
    rows = []
    for step, ((small_mb, small_s), (big_mb, big_s)) in measured.items():
        growth = big_mb / small_mb
        rows.append(
            [
                f"annotator {step}",
                small_mb,
                big_mb,
                growth,
                f"<= {MEMORY_GROWTH:.2f}",
                verdict(growth <= MEMORY_GROWTH),
                small_s,
                big_s,
            ]
        )
    print(
        table(
            [
                "step",
                f"{small:,} articles MB",
                f"{big:,} articles MB",
                "ratio",
                "target",
                "",
                f"{small:,} s",
                f"{big:,} s",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
