import hashlib

import pytest

from annotator.core.text import (
    TextError,
    check_text,
    checked_sha256,
    normalise_newlines,
    text_sha256,
    title_from_text,
)


def test_text_sha256_hashes_utf8_bytes() -> None:
    assert text_sha256("") == hashlib.sha256(b"").hexdigest()
    assert text_sha256("Zoë 👩‍🔬") == hashlib.sha256("Zoë 👩‍🔬".encode()).hexdigest()
    assert len(text_sha256("abc")) == 64


@pytest.mark.parametrize(
    "text", ["a", "Halo, dunia!\n", "emoji 🇮🇩 👩‍🔬", "line\u2028separator", "\U0001f600"]
)
def test_check_text_accepts_ordinary_text(text: str) -> None:
    check_text(text)


def test_check_text_rejects_empty_text() -> None:
    with pytest.raises(TextError, match="text is empty") as info:
        check_text("")
    assert info.value.line is None


@pytest.mark.parametrize("text", [" ", "\n\n", "\t \r\n", "\u3000\u2028"])
def test_check_text_rejects_whitespace_only(text: str) -> None:
    with pytest.raises(ValueError, match="only whitespace"):
        check_text(text)


def test_check_text_reports_where_the_nul_is() -> None:
    with pytest.raises(TextError) as info:
        check_text("first line\nsecond\nab\x00cd")
    assert str(info.value) == (
        "text contains a NUL character (U+0000) at line 3, column 3 of the text"
    )
    assert (info.value.line, info.value.column) == (3, 3)


def test_check_text_nul_at_the_very_start() -> None:
    with pytest.raises(TextError) as info:
        check_text("\x00abc")
    assert (info.value.line, info.value.column) == (1, 1)


@pytest.mark.parametrize("surrogate", ["\ud800", "\udbff", "\udc00", "\udfff"])
def test_check_text_reports_lone_surrogates(surrogate: str) -> None:
    with pytest.raises(TextError, match=f"lone surrogate \\(U\\+{ord(surrogate):04X}\\)") as info:
        check_text(f"ok\nx{surrogate}y")
    assert (info.value.line, info.value.column) == (2, 2)
    assert "line 2, column 2" in str(info.value)


def test_check_text_rejects_a_pair_left_as_two_code_points() -> None:
    with pytest.raises(TextError, match=r"lone surrogate \(U\+D83D\)"):
        check_text("\ud83d\ude00")


def test_check_text_reports_the_first_problem() -> None:
    with pytest.raises(TextError, match="lone surrogate") as info:
        check_text("ab\udc00\x00")
    assert info.value.column == 3


def test_check_text_finds_a_nul_at_the_end_of_a_million_characters() -> None:
    text = ("Kata dia, “ini teks panjang” 👩‍🔬.\n" * 30_000)[:1_000_000] + "\x00"
    with pytest.raises(TextError) as info:
        check_text(text)
    assert info.value.line == text.count("\n") + 1


@pytest.mark.parametrize(
    "text", ["a", "Halo, dunia!\n", "emoji 🇮🇩 👩‍🔬", "Zoë\u2028", "\U0001f600", "\u00ff" * 3]
)
def test_checked_sha256_of_a_sound_text_is_its_hash(text: str) -> None:
    assert checked_sha256(text) == text_sha256(text)


@pytest.mark.parametrize(
    "text",
    ["", " \n", "\u3000", "ab\x00cd", "\x00", "ok\nx\ud800y", "\ud83d\ude00", "ab\udc00\x00"],
)
def test_checked_sha256_refuses_what_check_text_refuses_with_its_message(text: str) -> None:
    with pytest.raises(TextError) as expected:
        check_text(text)
    with pytest.raises(TextError) as got:
        checked_sha256(text)
    assert (str(got.value), got.value.line, got.value.column) == (
        str(expected.value),
        expected.value.line,
        expected.value.column,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\r\nb\rc\nd", "a\nb\nc\nd"),
        ("\r\r\n\n", "\n\n\n"),
        ("no breaks", "no breaks"),
        ("keeps\u2028and\u0085", "keeps\u2028and\u0085"),
    ],
)
def test_normalise_newlines(text: str, expected: str) -> None:
    assert normalise_newlines(text) == expected


def test_title_is_first_non_blank_line_stripped() -> None:
    assert title_from_text("\n   \n  Headline here  \nBody text") == "Headline here"


def test_title_stops_at_any_line_break() -> None:
    assert title_from_text("Head\u2028rest") == "Head"
    assert title_from_text("Head\r\nrest") == "Head"


def test_short_title_is_not_cut() -> None:
    assert title_from_text("exactly ten", limit=11) == "exactly ten"


def test_long_title_is_cut_at_a_word_boundary() -> None:
    title = title_from_text("The council approved the budget", limit=20)
    assert title == "The council…"
    assert len(title) <= 20


def test_cut_keeps_a_word_that_ends_right_at_the_limit() -> None:
    # "abc defg" plus "…" fills the limit exactly; the next char is a space, so keep "defg".
    assert title_from_text("abc defg hijk", limit=9) == "abc defg…"


def test_cut_keeps_the_word_before_a_word_starting_at_the_limit() -> None:
    assert title_from_text("abc defg hijk", limit=10) == "abc defg…"


def test_a_single_long_word_is_cut_inside() -> None:
    assert title_from_text("Pneumonoultramicroscopic", limit=10) == "Pneumonou…"


def test_default_limit_is_120() -> None:
    title = title_from_text("word " * 100)
    assert len(title) <= 120
    assert title.endswith("word…")


def test_title_of_blank_text_is_empty() -> None:
    assert title_from_text(" \n\t\n") == ""


def test_title_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="limit"):
        title_from_text("abc", limit=0)
