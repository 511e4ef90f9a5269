"""Code-point offsets <-> Qt document positions."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.offsets import OffsetMap

FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # 👩‍👩‍👧: 5 code points, 8 UTF-16 units
FLAG_ID = "\U0001f1ee\U0001f1e9"  # 🇮🇩: two regional indicators
GRINNING = "\U0001f600"  # 😀
THUMBS_UP_MEDIUM = "\U0001f44d\U0001f3fd"  # 👍🏽: emoji + skin-tone modifier
E_ACUTE = "e\u0301"  # e + COMBINING ACUTE ACCENT

PIECES = [
    "a",
    "Z",
    "7",
    " ",
    "\n",
    "\r",
    "\r\n",
    "\u2028",
    "\u2029",
    "\x0b",
    "\x0c",
    "\x85",
    "\u0301",
    "\u00e9",
    "\u4e2d",
    GRINNING,
    FAMILY,
    FLAG_ID,
    THUMBS_UP_MEDIUM,
    E_ACUTE,
    "\U0001d400",  # MATHEMATICAL BOLD CAPITAL A: a non-BMP letter
    "\ufeff",  # a byte-order mark: Qt drops it at the very start of the text only
]

texts = st.lists(
    st.one_of(st.sampled_from(PIECES), st.characters(exclude_categories=["Cs"])),
    max_size=40,
).map("".join)


def qt_units(s: str) -> int:
    """Independent oracle: UTF-16 code units, with each CRLF counted once and a byte-order mark
    that opens the text not at all."""
    return len(s.encode("utf-16-le")) // 2 - s.count("\r\n") - s.startswith("\ufeff")


def unreachable(text: str, i: int) -> bool:
    """Whether no Qt position maps back to code point ``i``: it lies between the CR and LF of a
    line break, or before a byte-order mark that opens the text (Qt shows neither)."""
    if i == 0:
        return text.startswith("\ufeff")
    return i < len(text) and text[i - 1] == "\r" and text[i] == "\n"


def all_to_qt(text: str) -> list[int]:
    m = OffsetMap(text)
    return [m.to_qt(i) for i in range(len(text) + 1)]


def all_from_qt(text: str, *, round_up: bool = False) -> list[int]:
    m = OffsetMap(text)
    return [m.from_qt(p, round_up=round_up) for p in range(m.qt_length + 1)]


# --- examples ----------------------------------------------------------------------------------


def test_empty_text() -> None:
    m = OffsetMap("")
    assert m.qt_length == 0
    assert m.to_qt(0) == 0
    assert m.from_qt(0) == 0


def test_bmp_text_without_crlf_is_identity() -> None:
    text = "Presiden Zelensky\n\u00e9t\u00e9\r\u2028\u2029\x0b\x0c\x85 \u4e2d" + E_ACUTE
    m = OffsetMap(text)
    assert m.qt_length == len(text)
    assert all_to_qt(text) == list(range(len(text) + 1))
    assert all_from_qt(text) == list(range(len(text) + 1))
    assert all_from_qt(text, round_up=True) == list(range(len(text) + 1))


def test_non_bmp_emoji_takes_two_positions() -> None:
    text = f"a{GRINNING}b"
    m = OffsetMap(text)
    assert m.qt_length == 4
    assert all_to_qt(text) == [0, 1, 3, 4]
    assert all_from_qt(text) == [0, 1, 1, 2, 3]


def test_position_inside_surrogate_pair_rounds_to_character_edges() -> None:
    m = OffsetMap(f"a{GRINNING}b")
    assert m.from_qt(2) == 1
    assert m.from_qt(2, round_up=True) == 2
    # Positions on character boundaries are unaffected by rounding.
    assert [m.from_qt(p, round_up=True) for p in (0, 1, 3, 4)] == [0, 1, 2, 3]


def test_zwj_sequence() -> None:
    # woman, ZWJ, woman, ZWJ, girl: the three emoji are non-BMP, the joiners are not.
    m = OffsetMap(FAMILY + "!")
    assert m.qt_length == 9
    assert all_to_qt(FAMILY + "!") == [0, 2, 3, 5, 6, 8, 9]
    assert m.to_qt_range(0, 5) == (0, 8)


def test_flag_is_two_non_bmp_code_points() -> None:
    text = f"Bendera {FLAG_ID}."
    m = OffsetMap(text)
    assert m.qt_length == len(text) + 2
    assert m.to_qt_range(8, 10) == (8, 12)
    assert m.from_qt_range(8, 12) == (8, 10)
    # Half of each regional indicator selected in Qt: widened to whole code points.
    assert m.from_qt_range(9, 11) == (8, 10)


def test_skin_tone_modifier() -> None:
    m = OffsetMap(THUMBS_UP_MEDIUM)
    assert m.qt_length == 4
    assert all_to_qt(THUMBS_UP_MEDIUM) == [0, 2, 4]


def test_combining_mark_is_one_position() -> None:
    text = f"Caf{E_ACUTE} baru"
    assert all_to_qt(text) == list(range(len(text) + 1))


def test_crlf_is_one_block_break() -> None:
    text = "a\r\nb"
    m = OffsetMap(text)
    assert m.qt_length == 3
    # The "\n" (code point 2) is zero-width: offsets 2 and 3 share position 2.
    assert all_to_qt(text) == [0, 1, 2, 2, 3]
    # The position after the break maps past the "\n", never between "\r" and "\n".
    assert all_from_qt(text) == [0, 1, 3, 4]
    assert all_from_qt(text, round_up=True) == [0, 1, 3, 4]


def test_consecutive_and_mixed_line_breaks() -> None:
    assert all_to_qt("\r\n\r\n") == [0, 1, 1, 2, 2]
    assert all_from_qt("\r\n\r\n") == [0, 2, 4]
    # "\r", "\r\n", "\n": three block breaks.
    assert all_to_qt("\r\r\n\n") == [0, 1, 2, 2, 3]
    assert OffsetMap("\r\r\n\n").qt_length == 3


def test_lone_cr_and_line_separator_are_one_position() -> None:
    for text in ("a\rb", "a\u2028b", "a\nb", "a\u2029b"):
        assert OffsetMap(text).qt_length == 3
        assert all_to_qt(text) == [0, 1, 2, 3]


def test_emoji_next_to_crlf() -> None:
    text = f"{GRINNING}\r\n{GRINNING}"
    m = OffsetMap(text)
    assert m.qt_length == 5
    assert all_to_qt(text) == [0, 2, 3, 3, 5]
    assert all_from_qt(text) == [0, 0, 1, 3, 3, 4]
    assert all_from_qt(text, round_up=True) == [0, 1, 1, 3, 4, 4]


def test_ranges() -> None:
    text = f"Bakhmut\r\n{GRINNING} ditahan"
    m = OffsetMap(text)
    start = text.index("ditahan")
    qt_span = m.to_qt_range(start, len(text))
    assert qt_span == (11, m.qt_length)  # -1 for the CRLF, +1 for the emoji
    assert m.from_qt_range(*qt_span) == (start, len(text))
    # A Qt range covering only the low surrogate still yields the whole emoji.
    emoji_pos = m.to_qt(text.index(GRINNING))
    assert m.from_qt_range(emoji_pos + 1, emoji_pos + 1) == (9, 10)
    assert m.from_qt_range(emoji_pos + 1, emoji_pos + 2) == (9, 10)


@pytest.mark.parametrize("cp", [-1, 4])
def test_to_qt_rejects_out_of_range(cp: int) -> None:
    with pytest.raises(ValueError):
        OffsetMap(f"a{GRINNING}b").to_qt(cp)


@pytest.mark.parametrize("pos", [-1, 5])
def test_from_qt_rejects_out_of_range(pos: int) -> None:
    m = OffsetMap(f"a{GRINNING}b")
    with pytest.raises(ValueError):
        m.from_qt(pos)
    with pytest.raises(ValueError):
        m.from_qt(pos, round_up=True)


def test_reversed_ranges_are_rejected() -> None:
    m = OffsetMap("abc")
    with pytest.raises(ValueError):
        m.to_qt_range(2, 1)
    with pytest.raises(ValueError):
        m.from_qt_range(2, 1)


def test_long_text_far_from_the_start() -> None:
    unit = f"Bakhmut {GRINNING}\r\n{FAMILY} "  # 17 code points, 20 Qt positions
    text = unit * 60_000
    m = OffsetMap(text)
    assert m.qt_length == 20 * 60_000 == qt_units(text)
    k = 45_678
    assert m.to_qt(17 * k) == 20 * k
    assert m.to_qt(17 * k + 9) == 20 * k + 10  # after the emoji, before the CRLF
    assert m.from_qt(20 * k + 11) == 17 * k + 11  # after the CRLF
    assert m.from_qt(20 * k + 9) == 17 * k + 8  # inside the emoji


# --- properties --------------------------------------------------------------------------------


@given(texts)
def test_qt_length_matches_utf16_units_minus_crlf(text: str) -> None:
    assert OffsetMap(text).qt_length == qt_units(text)


@given(texts)
def test_to_qt_matches_oracle_on_every_prefix(text: str) -> None:
    assert all_to_qt(text) == [qt_units(text[:i]) for i in range(len(text) + 1)]


@given(texts)
def test_to_qt_is_monotonic(text: str) -> None:
    positions = all_to_qt(text)
    assert all(a <= b for a, b in pairwise(positions))


@given(texts)
def test_round_trip_from_code_points(text: str) -> None:
    m = OffsetMap(text)
    for i in range(len(text) + 1):
        back = m.from_qt(m.to_qt(i))
        assert back == (i + 1 if unreachable(text, i) else i)
        assert m.from_qt(m.to_qt(i), round_up=True) == back


@given(texts)
def test_round_trip_from_qt_positions(text: str) -> None:
    m = OffsetMap(text)
    for pos in range(m.qt_length + 1):
        down = m.from_qt(pos)
        up = m.from_qt(pos, round_up=True)
        assert not unreachable(text, down)
        assert not unreachable(text, up)
        if down == up:
            assert m.to_qt(down) == pos
        else:
            # Between the two halves of one non-BMP character.
            assert up == down + 1
            assert ord(text[down]) > 0xFFFF
            assert m.to_qt(down) == pos - 1
            assert m.to_qt(up) == pos + 1


@given(texts, st.data())
def test_range_round_trip(text: str, data: st.DataObject) -> None:
    boundaries = [i for i in range(len(text) + 1) if not unreachable(text, i)]
    start = data.draw(st.sampled_from(boundaries))
    end = data.draw(st.sampled_from([b for b in boundaries if b >= start]))
    m = OffsetMap(text)
    assert m.from_qt_range(*m.to_qt_range(start, end)) == (start, end)


def test_a_leading_byte_order_mark_takes_no_qt_position() -> None:
    # Qt's setPlainText drops U+FEFF at the very start of the text (and only there).
    offsets = OffsetMap("\ufeffab\ufeffc")
    assert offsets.qt_length == 4
    assert [offsets.to_qt(i) for i in range(6)] == [0, 0, 1, 2, 3, 4]
    assert offsets.from_qt(0) == 1  # never inside the invisible mark
    assert offsets.from_qt_range(0, 2) == (1, 3)


# --- lazy scanning -----------------------------------------------------------------------------


@given(texts, st.integers(min_value=1, max_value=5), st.data())
def test_conversions_in_any_order_match_the_oracle_whatever_the_chunk(
    text: str, chunk: int, data: st.DataObject
) -> None:
    """The map scans the text a chunk at a time, as far as each conversion needs: tiny chunks
    split CRLFs and surrogate pairs' neighbourhoods at every place, and conversions far ahead
    come before near ones."""
    reference = OffsetMap(text, chunk=len(text) + 1)  # scanned at once by its first use
    expected_to = [reference.to_qt(i) for i in range(len(text) + 1)]
    assert expected_to == [qt_units(text[:i]) for i in range(len(text) + 1)]
    positions = range(reference.qt_length + 1)
    expected_from = {(p, up): reference.from_qt(p, round_up=up) for p in positions for up in (0, 1)}
    queries = data.draw(
        st.permutations(
            [("to", i, False) for i in range(len(text) + 1)]
            + [("from", p, up) for p in positions for up in (False, True)]
        )
    )
    m = OffsetMap(text, chunk=chunk)
    for kind, value, up in queries:
        if kind == "to":
            assert m.to_qt(value) == expected_to[value]
        else:
            assert m.from_qt(value, round_up=up) == expected_from[(value, up)]
    assert m.qt_length == reference.qt_length


def test_a_qt_position_beyond_the_scanned_part_is_checked_against_the_whole_text() -> None:
    text = "ab\r\n" * 10 + GRINNING * 10
    m = OffsetMap(text, chunk=2)
    assert m.from_qt(qt_units(text)) == len(text)
    with pytest.raises(ValueError, match="outside"):
        OffsetMap(text, chunk=2).from_qt(qt_units(text) + 1)
    with pytest.raises(ValueError, match="outside"):
        OffsetMap(text, chunk=2).from_qt(-1)
