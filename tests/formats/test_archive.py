import io
import os
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from annotator.formats.archive import open_archive
from annotator.formats.articles import ImportFileError
from annotator.formats.base import Limits

# Offsets of fields in a zip central directory header.
_FLAGS, _FILE_SIZE = 8, 24


def make_zip(path: Path, *members: tuple[str | zipfile.ZipInfo, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def patch_central_header(path: Path, offset: int, value: int) -> None:
    """Overwrite a 2- or 4-byte field of the (only) central directory header."""
    data = bytearray(path.read_bytes())
    start = data.index(b"PK\x01\x02")
    fmt = "<H" if offset == _FLAGS else "<I"
    struct.pack_into(fmt, data, start + offset, value)
    path.write_bytes(bytes(data))


def read_all(path: Path, limits: Limits | None = None) -> dict[str, bytes]:
    with open_archive(path, limits or Limits()) as archive:
        return dict(archive.members())


def refusal(path: Path, limits: Limits | None = None) -> str:
    with pytest.raises(ImportFileError) as info:
        read_all(path, limits)
    return str(info.value)


# Reading what is there


def test_zip_members_by_relative_name_in_sorted_order(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "data.zip",
        ("b.ann", b"T1\tPER 0 4\tJoko\n"),
        ("a/doc.txt", "Joko 👩‍🔬\r\n".encode()),
        ("a/", b""),
    )
    with open_archive(path, Limits()) as archive:
        assert archive.names == ("a/doc.txt", "b.ann")
        assert archive.read("a/doc.txt") == "Joko 👩‍🔬\r\n".encode()
        assert list(archive.members()) == [
            ("a/doc.txt", "Joko 👩‍🔬\r\n".encode()),
            ("b.ann", b"T1\tPER 0 4\tJoko\n"),
        ]


def test_zip_backslash_names_are_folders(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "data.zip", ("corpus\\doc.txt", b"x"))
    assert read_all(path) == {"corpus/doc.txt": b"x"}


def test_hidden_entries_and_macos_resource_forks_are_left_out(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "data.zip",
        ("doc.txt", b"text"),
        (".DS_Store", b"\x00"),
        ("__MACOSX/._doc.txt", b"\x00\x05\x16\x07"),
        ("sub/.hidden/x.txt", b"x"),
    )
    assert read_all(path) == {"doc.txt": b"text"}


def test_folder_members_by_relative_name(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "doc.txt").write_bytes(b"a\r\nb")
    (tmp_path / "doc.ann").write_bytes(b"")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_bytes(b"x")
    assert read_all(tmp_path) == {"doc.ann": b"", "sub/doc.txt": b"a\r\nb"}


def test_members_are_read_only_when_reached(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"first")
    (tmp_path / "b.txt").write_bytes(b"before")
    with open_archive(tmp_path, Limits()) as archive:
        members = archive.members()
        assert next(members) == ("a.txt", b"first")
        (tmp_path / "b.txt").write_bytes(b"after")
        assert next(members) == ("b.txt", b"after")


def test_neither_folder_nor_zip(tmp_path: Path) -> None:
    text = tmp_path / "doc.txt"
    text.write_text("not a zip")
    assert "not a folder or a readable zip archive" in refusal(text)
    assert "no such file or folder" in refusal(tmp_path / "missing.zip")


# Malicious zips


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.txt", "the path leaves the archive ('..')"),
        ("docs/../../evil.txt", "the path leaves the archive ('..')"),
        ("..\\evil.txt", "the path leaves the archive ('..')"),
        ("/etc/passwd", "absolute path"),
        ("\\windows\\evil.txt", "absolute path"),
        ("C:/evil.txt", "absolute path"),
    ],
)
def test_path_traversal_is_refused(tmp_path: Path, name: str, reason: str) -> None:
    path = make_zip(tmp_path / "evil.zip", ("good.txt", b"fine"), (name, b"owned"))
    assert refusal(path) == f"{path}: {name!r}: {reason}; refused, nothing was read"


def test_symlink_member_is_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("doc.txt")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = make_zip(tmp_path / "link.zip", (link, b"/etc/passwd"))
    assert refusal(path) == f"{path}: 'doc.txt': symbolic link; refused, nothing was read"


def test_device_member_is_refused(tmp_path: Path) -> None:
    device = zipfile.ZipInfo("doc.txt")
    device.external_attr = (stat.S_IFCHR | 0o644) << 16
    path = make_zip(tmp_path / "device.zip", (device, b""))
    assert "'doc.txt': not a regular file" in refusal(path)


def test_name_given_twice_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("doc.txt", b"innocent")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("doc.txt", b"replacement")
    path = tmp_path / "twice.zip"
    path.write_bytes(buffer.getvalue())
    assert "'doc.txt': appears twice" in refusal(path)


def test_too_many_members_is_refused_before_reading(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "many.zip", *((f"{n}.txt", b"x") for n in range(4)))
    assert refusal(path, Limits(max_archive_members=3)) == (
        f"{path}: 4 entries, more than the 3 allowed; refused, nothing was read"
    )
    assert len(read_all(path, Limits(max_archive_members=4))) == 4


def test_zip_bomb_is_refused_by_its_compression_ratio(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "bomb.zip", ("doc.txt", bytes(8 * 1024 * 1024)))
    message = refusal(path)
    assert "'doc.txt':" in message
    assert "a compression ratio above 200 (a zip bomb?); refused, nothing was read" in message


def test_member_declared_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "big.zip", ("doc.txt", os.urandom(2000)))
    message = refusal(path, Limits(max_file_bytes=1000))
    assert "'doc.txt': 2000 bytes uncompressed, more than 1000; refused" in message


def test_understated_size_is_not_trusted(tmp_path: Path) -> None:
    """A header claiming 10 bytes for a 1 MB member: reading stops, the member is refused."""
    path = make_zip(tmp_path / "liar.zip", ("doc.txt", b"a" * 1_000_000))
    patch_central_header(path, _FILE_SIZE, 10)
    with open_archive(path, Limits()) as archive, pytest.raises(ImportFileError) as info:
        archive.read("doc.txt")
    assert "'doc.txt': damaged or unsupported member: Bad CRC-32" in str(info.value)


def test_encrypted_member_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "secret.zip", ("doc.txt", b"text"))
    patch_central_header(path, _FLAGS, 0x1)
    assert "'doc.txt': encrypted; refused" in refusal(path)


# Unsafe folders


def test_symlinked_file_in_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "doc.txt").symlink_to(secret)
    assert refusal(corpus) == f"{corpus}: 'doc.txt': symbolic link; refused, nothing was read"


def test_symlinked_folder_in_folder_is_refused(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "etc").symlink_to("/etc", target_is_directory=True)
    assert "'etc': symbolic link" in refusal(corpus)


def test_too_many_files_in_folder_is_refused(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"{n}.txt").write_bytes(b"x")
    assert refusal(tmp_path, Limits(max_archive_members=2)) == (
        f"{tmp_path}: more than 2 files; refused, nothing was read"
    )


def test_file_larger_than_the_limit_in_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_bytes(b"x" * 101)
    assert refusal(tmp_path, Limits(max_file_bytes=100)) == (
        f"{tmp_path}: 'doc.txt': larger than 100 bytes"
    )
    assert read_all(tmp_path, Limits(max_file_bytes=101)) == {"doc.txt": b"x" * 101}
