import os
import stat
from pathlib import Path

import pytest
from format_helpers import fifo_with_reader, read_to_end

from annotator.formats.atomic import STANDARD_OUTPUT, atomic_output, is_stream


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


def test_a_missing_folder_is_reported_for_the_target_not_its_temporary_file(
    tmp_path: Path,
) -> None:
    target = tmp_path / "missing" / "out.jsonl"
    with pytest.raises(FileNotFoundError) as caught, atomic_output(target):
        pass
    assert caught.value.filename == str(target)
    assert ".part" not in str(caught.value)


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


def test_standard_output_is_written_to_stdout(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with atomic_output(STANDARD_OUTPUT) as out:
        out.write("Zelensky 😀\u2028\n".encode())
    captured = capfd.readouterr()
    assert captured.out == "Zelensky 😀\u2028\n"
    assert not (tmp_path / "-").exists()
    assert not Path("-").exists()


def test_a_file_named_dash_is_a_file(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for target in ("-", Path("-"), Path("./-")):
        assert not is_stream(target)
        with atomic_output(target) as out:
            out.write(b"file")
        assert (tmp_path / "-").read_bytes() == b"file"
    assert capfd.readouterr().out == ""


# Targets that are not plain files


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "export.jsonl"
    real.write_bytes(b"old\n")
    real.chmod(0o640)
    link = tmp_path / "latest.jsonl"
    link.symlink_to(Path("data") / "export.jsonl")
    with atomic_output(link) as out:
        out.write(b"new\n")
    assert link.is_symlink() and os.readlink(link) == os.path.join("data", "export.jsonl")
    assert real.read_bytes() == b"new\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "latest.jsonl"]
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["export.jsonl"]


def test_an_error_leaves_the_file_behind_a_symlink_untouched(tmp_path: Path) -> None:
    real = tmp_path / "export.jsonl"
    real.write_bytes(b"previous\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    with pytest.raises(Boom), atomic_output(link) as out:
        out.write(b"half")
        raise Boom
    assert link.is_symlink() and real.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.jsonl", "link.jsonl"]


def test_a_link_to_a_file_not_there_yet_creates_that_file(tmp_path: Path) -> None:
    link = tmp_path / "link.jsonl"
    link.symlink_to(tmp_path / "new.jsonl")
    with atomic_output(link) as out:
        out.write(b"x")
    assert link.is_symlink() and (tmp_path / "new.jsonl").read_bytes() == b"x"


def test_a_loop_of_links_is_refused_and_left_alone(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(OSError), atomic_output(loop):
        pytest.fail("the block must not run")
    assert loop.is_symlink() and [p.name for p in tmp_path.iterdir()] == ["loop"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_is_written_directly_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    reader = fifo_with_reader(fifo)
    with atomic_output(fifo) as out:
        out.write(b"streamed\n")
    assert read_to_end(reader) == b"streamed\n"
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_link_to_a_fifo_feeds_the_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    reader = fifo_with_reader(fifo)
    (tmp_path / "link").symlink_to(fifo)
    with atomic_output(tmp_path / "link") as out:
        out.write(b"through the link")
    assert read_to_end(reader) == b"through the link"
    assert (tmp_path / "link").is_symlink() and stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="terminals")
def test_a_terminal_is_written_directly(tmp_path: Path) -> None:
    controller, terminal = os.openpty()
    try:
        # Named through a link, so that a faulty atomic_output replaces the link, not /dev.
        path = tmp_path / "terminal"
        path.symlink_to(os.ttyname(terminal))
        with atomic_output(path) as out:
            out.write(b"on screen")
        assert path.is_symlink() and stat.S_ISCHR(path.stat().st_mode)
        assert os.read(controller, 100) == b"on screen"  # blocks if nothing was written
    finally:
        os.close(terminal)
        os.close(controller)


def test_an_empty_path_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError), atomic_output(""):
        pytest.fail("the block must not run")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError), atomic_output(tmp_path):
        pytest.fail("the block must not run")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_is_stream_tells_what_is_written_directly(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link").symlink_to(tmp_path / "fifo")
    assert is_stream(STANDARD_OUTPUT)
    assert is_stream(tmp_path / "fifo") and is_stream(tmp_path / "link")
    assert not is_stream(tmp_path / "file")
    assert not is_stream(tmp_path / "new")
    assert not is_stream(tmp_path)
