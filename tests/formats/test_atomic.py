import os
import stat
from pathlib import Path

import pytest

from annotator.formats.atomic import atomic_output


class Boom(Exception):
    pass


def test_success_writes_content(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with atomic_output(target) as out:
        out.write(b'{"a": 1}\n')
        out.write(b'{"a": 2}\n')
    assert target.read_bytes() == b'{"a": 1}\n{"a": 2}\n'
    assert sorted(tmp_path.iterdir()) == [target]


def test_accepts_a_string_path(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with atomic_output(str(target)) as out:
        out.write(b"x")
    assert target.read_bytes() == b"x"


def test_nothing_is_visible_at_the_target_before_the_block_ends(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with atomic_output(target) as out:
        out.write(b"partial")
        out.flush()
        assert not target.exists()
    assert target.read_bytes() == b"partial"


def test_error_leaves_no_target_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with pytest.raises(Boom), atomic_output(target) as out:
        out.write(b"half a record")
        raise Boom
    assert list(tmp_path.iterdir()) == []


def test_error_leaves_an_existing_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"previous export\n")
    with pytest.raises(Boom), atomic_output(target) as out:
        out.write(b"new data")
        raise Boom
    assert target.read_bytes() == b"previous export\n"
    assert list(tmp_path.iterdir()) == [target]


def test_keyboard_interrupt_also_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt), atomic_output(target) as out:
        out.write(b"data")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_success_replaces_an_existing_target(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"a much longer previous export that must not leave a tail\n")
    with atomic_output(target) as out:
        out.write(b"new\n")
    assert target.read_bytes() == b"new\n"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_new_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        with atomic_output(tmp_path / "out.jsonl") as out:
            out.write(b"x")
        (tmp_path / "plain.txt").write_bytes(b"x")
    finally:
        os.umask(previous)
    mode = stat.S_IMODE((tmp_path / "out.jsonl").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode) == 0o644


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_replacing_keeps_the_permissions_of_the_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"old")
    target.chmod(0o640)
    with atomic_output(target) as out:
        out.write(b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_missing_folder_raises_oserror_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), atomic_output(tmp_path / "missing" / "out.jsonl"):
        pytest.fail("the block must not run")
    assert list(tmp_path.iterdir()) == []


def test_relative_target_in_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with atomic_output("out.jsonl") as out:
        out.write(b"here")
    assert (tmp_path / "out.jsonl").read_bytes() == b"here"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_dash_writes_to_stdout(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    with atomic_output("-") as out:
        out.write("Zelensky 😀\u2028\n".encode())
    captured = capfd.readouterr()
    assert captured.out == "Zelensky 😀\u2028\n"
    assert not (tmp_path / "-").exists()
    assert not Path("-").exists()
