"""Snapping a raw selection to whole words."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.selection import snap_to_words, trim_whitespace

SENTENCE = "Presiden Volodymyr Zelensky dan pejabat tingginya mengatakan Bakhmut ditahan"

FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # 👩‍👩‍👧
FLAG_ID = "\U0001f1ee\U0001f1e9"  # 🇮🇩
FLAG_MY = "\U0001f1f2\U0001f1fe"  # 🇲🇾
THUMBS_UP_MEDIUM = "\U0001f44d\U0001f3fd"  # 👍🏽
HEART_EMOJI = "\u2764\ufe0f"  # ❤️: heart + VARIATION SELECTOR-16
E_ACUTE = "e\u0301"  # e + COMBINING ACUTE ACCENT


def span_of(text: str, sub: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(sub, start + 1)
    return start, start + len(sub)


def snapped(text: str, sub: str, occurrence: int = 0) -> str:
    result = snap_to_words(text, *span_of(text, sub, occurrence))
    assert result is not None
    return text[result[0] : result[1]]


# --- words -------------------------------------------------------------------------------------


def test_partial_word_grows_to_whole_word() -> None:
    assert snapped(SENTENCE, "lodym") == "Volodymyr"


def test_selection_across_words_grows_at_both_ends() -> None:
    assert snapped(SENTENCE, "en Volodymyr Zel") == "Presiden Volodymyr Zelensky"


def test_whole_word_is_unchanged() -> None:
    assert snap_to_words(SENTENCE, *span_of(SENTENCE, "Zelensky")) == span_of(SENTENCE, "Zelensky")


def test_words_at_text_edges() -> None:
    assert snapped(SENTENCE, "esid") == "Presiden"
    assert snapped(SENTENCE, "itah") == "ditahan"
    assert snap_to_words(SENTENCE, 0, len(SENTENCE)) == (0, len(SENTENCE))


def test_surrounding_spaces_are_trimmed() -> None:
    start, end = span_of(SENTENCE, " Bakhmut ")
    assert snap_to_words(SENTENCE, start, end) == (start + 1, end - 1)
    assert snapped(SENTENCE, " pejabat tinggi") == "pejabat tingginya"


def test_whitespace_only_or_empty_selection_is_none() -> None:
    assert snap_to_words(SENTENCE, *span_of(SENTENCE, " ")) is None
    assert snap_to_words("kata  \r\n\t kata", 4, 10) is None
    assert snap_to_words(SENTENCE, 5, 5) is None
    assert snap_to_words("", 0, 0) is None


def test_hyphenated_word_is_one_word() -> None:
    text = "Mereka bekerja sama-sama membangun desa."
    assert snapped(text, "sama") == "sama-sama"
    assert snapped(text, "sama", occurrence=1) == "sama-sama"
    assert snapped(text, "a-s") == "sama-sama"


def test_apostrophe_inside_word_is_part_of_it() -> None:
    assert snapped("they don't know", "don") == "don't"
    assert snapped("Zelensky\u2019s aides", "Zel") == "Zelensky\u2019s"


def test_punctuation_outside_words_is_not_added() -> None:
    text = "Kota 'Bakhmut' ditahan - kata pejabat-, bukan Kyiv."
    assert snapped(text, "akhm") == "Bakhmut"
    assert snapped(text, "pejab") == "pejabat"
    assert snapped(text, "Kyi") == "Kyiv"
    # Selected punctuation stays, but does not pull in its neighbours.
    assert snapped(text, "- k") == "- kata"


def test_crlf_at_selection_edges() -> None:
    text = "Bakhmut\r\nditahan"
    assert snapped(text, "\nditah") == "ditahan"
    assert snapped(text, "khmut\r") == "Bakhmut"


# --- clusters ----------------------------------------------------------------------------------


def test_combining_mark_stays_with_its_base() -> None:
    text = f"kafe Caf{E_ACUTE} baru"
    assert snapped(text, "Caf") == f"Caf{E_ACUTE}"
    # A selection ending between the base and its mark is extended over the mark.
    start, _ = span_of(text, "Caf")
    assert snap_to_words(text, start + 3, start + 4) == (start, start + 5)


def test_combining_mark_stays_with_non_word_base() -> None:
    text = "a #\u20e3 b"  # "#" + COMBINING ENCLOSING KEYCAP
    assert snap_to_words(text, 2, 3) == (2, 4)
    assert snap_to_words(text, 3, 4) == (2, 4)


def test_zwj_sequence_is_never_split() -> None:
    text = f"Keluarga {FAMILY} hadir"
    start, end = span_of(text, FAMILY)
    for i in range(start, end):
        assert snap_to_words(text, i, i + 1) == (start, end)


def test_dangling_zwj_does_not_pull_in_whitespace() -> None:
    assert snapped("kata\u200d lain", "kat") == "kata\u200d"


def test_flags_pair_regional_indicators() -> None:
    text = f"Bendera {FLAG_ID}{FLAG_MY} berkibar"
    start = text.index(FLAG_ID)
    assert snap_to_words(text, start + 1, start + 2) == (start, start + 2)
    assert snap_to_words(text, start + 2, start + 3) == (start + 2, start + 4)
    assert snap_to_words(text, start + 1, start + 3) == (start, start + 4)


def test_emoji_modifier_and_variation_selector_stay_attached() -> None:
    text = f"oke{THUMBS_UP_MEDIUM} dan {HEART_EMOJI}!"
    thumbs = text.index(THUMBS_UP_MEDIUM)
    assert snap_to_words(text, thumbs, thumbs + 1) == (thumbs, thumbs + 2)
    heart = text.index(HEART_EMOJI)
    assert snap_to_words(text, heart, heart + 1) == (heart, heart + 2)


def test_emoji_is_not_glued_to_adjacent_word() -> None:
    text = "halo\U0001f600dunia"
    assert snapped(text, "hal") == "halo"
    assert snapped(text, "\U0001f600") == "\U0001f600"


# --- trim only ---------------------------------------------------------------------------------


def test_trim_whitespace_does_not_widen() -> None:
    start, end = span_of(SENTENCE, " Volodymyr Zel")
    assert trim_whitespace(SENTENCE, start, end) == (start + 1, end)
    assert trim_whitespace(SENTENCE, *span_of(SENTENCE, " ")) is None
    # NO-BREAK SPACE, LINE SEPARATOR and IDEOGRAPHIC SPACE are whitespace too.
    assert trim_whitespace("a \u00a0\u2028\u3000 b", 1, 6) is None
    assert trim_whitespace("a\u00a0b\u3000", 1, 4) == (2, 3)


@pytest.mark.parametrize("func", [snap_to_words, trim_whitespace])
@pytest.mark.parametrize(("start", "end"), [(-1, 2), (3, 2), (0, len(SENTENCE) + 1)])
def test_invalid_ranges_are_rejected(
    func: Callable[[str, int, int], tuple[int, int] | None], start: int, end: int
) -> None:
    with pytest.raises(ValueError):
        func(SENTENCE, start, end)


class CountingStr(str):
    """A str that counts single-character reads, to show the work stays near the selection."""

    reads = 0

    def __getitem__(self, key: object) -> str:  # type: ignore[override]
        type(self).reads += 1
        return super().__getitem__(key)  # type: ignore[index]


def test_only_the_neighbourhood_of_the_selection_is_read() -> None:
    text = CountingStr(" ".join([SENTENCE] * 20_000))  # about 1.5M characters
    start, end = span_of(str(text), "lodym", occurrence=10_000)
    CountingStr.reads = 0
    result = snap_to_words(text, start - 5, end)
    assert result is not None
    assert str(text)[result[0] : result[1]] == "Presiden Volodymyr"
    assert CountingStr.reads < 100


# --- properties --------------------------------------------------------------------------------

PIECES = [
    "Bakhmut",
    "dan",
    "x",
    "7",
    "_",
    " ",
    "  ",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\u2028",
    "-",
    "'",
    "\u2019",
    ".",
    ",",
    '"',
    "\u0301",
    "\u200d",
    "\ufe0f",
    "\U0001f3fd",
    "\U0001f1ee",
    "\U0001f1e9",
    "\U0001f600",
    FAMILY,
    FLAG_ID,
    THUMBS_UP_MEDIUM,
    HEART_EMOJI,
    E_ACUTE,
]

texts = st.lists(
    st.one_of(st.sampled_from(PIECES), st.characters(exclude_categories=["Cs"])),
    max_size=30,
).map("".join)


@st.composite
def selections(draw: st.DrawFn) -> tuple[str, int, int]:
    text = draw(texts)
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    return text, start, end


@given(selections())
def test_trim_whitespace_matches_str_strip(case: tuple[str, int, int]) -> None:
    text, start, end = case
    result = trim_whitespace(text, start, end)
    if not text[start:end].strip():
        assert result is None
    else:
        assert result is not None
        assert start <= result[0] < result[1] <= end
        assert text[result[0] : result[1]] == text[start:end].strip()


@given(selections())
def test_snap_properties(case: tuple[str, int, int]) -> None:
    text, start, end = case
    result = snap_to_words(text, start, end)
    trimmed = trim_whitespace(text, start, end)
    if trimmed is None:
        assert result is None
        return
    assert result is not None
    new_start, new_end = result
    assert 0 <= new_start <= trimmed[0] < trimmed[1] <= new_end <= len(text)
    assert not text[new_start].isspace()
    assert not text[new_end - 1].isspace()
    assert snap_to_words(text, new_start, new_end) == result
    for edge in result:
        inside_crlf = 0 < edge < len(text) and text[edge - 1 : edge + 1] == "\r\n"
        assert not inside_crlf
        before_mark = 0 < edge < len(text) and unicodedata.category(text[edge]).startswith("M")
        assert not before_mark or text[edge - 1].isspace()
