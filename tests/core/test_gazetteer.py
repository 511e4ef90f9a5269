"""Finding project-wide labelled strings again in an article."""

from __future__ import annotations

import random
import re
import time

from hypothesis import given
from hypothesis import strategies as st

from annotator.core.gazetteer import find_mentions

KNOWN = {
    "Rusia": "GPE",
    "Ukraina": "GPE",
    "AS": "GPE",
    "ASEAN": "ORG",
    "Joko": "PER",
    "Joko Widodo": "PER",
    "Bakhmut": "LOC",
}


def found(text: str, known: dict[str, str]) -> list[tuple[str, str]]:
    return [(text[start:end], label) for start, end, label in find_mentions(text, known)]


def test_indonesian_text_whole_words_only() -> None:
    text = "Rusia dan AS membahas ASEAN; Rusianya menolak, AS-nya diam, RUSIA tidak disebut."
    assert find_mentions(text, KNOWN) == [
        (0, 5, "GPE"),
        (10, 12, "GPE"),
        (22, 27, "ORG"),
        (47, 49, "GPE"),  # a hyphen is not a letter: "AS-nya" holds "AS"
    ]
    assert text[47:49] == "AS"


def test_as_is_found_but_not_inside_asean_or_basis() -> None:
    text = "AS, ASEAN, BASIS, dan (AS)."
    assert find_mentions(text, {"AS": "GPE"}) == [(0, 2, "GPE"), (23, 25, "GPE")]


def test_longest_match_wins_at_a_position() -> None:
    text = "Presiden Joko Widodo bertemu Joko."
    assert found(text, KNOWN) == [("Joko Widodo", "PER"), ("Joko", "PER")]


def test_matches_do_not_overlap_leftmost_first() -> None:
    known = {"Bank Dunia": "ORG", "Dunia Baru": "MISC", "Baru": "X"}
    assert found("Bank Dunia Baru", known) == [("Bank Dunia", "ORG"), ("Baru", "X")]


def test_a_longer_string_that_fails_the_word_boundary_falls_back_to_a_shorter_one() -> None:
    known = {"Joko": "PER", "Joko Wi": "BAD"}
    assert found("Joko Widodo", known) == [("Joko", "PER")]


def test_taken_ranges_are_skipped_only_when_exactly_equal() -> None:
    text = "Joko Widodo dan Joko."
    assert find_mentions(text, KNOWN, taken=[(0, 11)]) == [(16, 20, "PER")]
    # The shorter name inside an annotated range is not offered instead.
    assert find_mentions(text, KNOWN, taken={(0, 11), (16, 20)}) == []
    # A taken range that only overlaps leaves the match alone.
    assert find_mentions(text, KNOWN, taken=[(0, 4)]) == [(0, 11, "PER"), (16, 20, "PER")]


def test_offsets_are_code_points_after_emoji() -> None:
    text = "👩\u200d🔬🇮🇩 Bakhmut 😀 Ukraina"
    assert find_mentions(text, KNOWN) == [(6, 13, "LOC"), (16, 23, "GPE")]
    assert text[6:13] == "Bakhmut"


def test_an_emoji_is_not_found_inside_a_zwj_sequence() -> None:
    text = "👩\u200d🔬 dan 🔬 dan 👍🏽 dan 👍"
    known = {"🔬": "EMOJI", "👍": "EMOJI", "👩": "EMOJI"}
    assert found(text, known) == [("🔬", "EMOJI"), ("👍", "EMOJI")]
    assert find_mentions(text, known)[0][0] == 8


def test_unicode_letters_and_combining_marks_are_part_of_words() -> None:
    known = {"Zoë": "PER", "Jose": "PER", "Zo": "X"}
    text = "Zoë, Zoëlla, Jose, Jose\u0301, José."
    assert find_mentions(text, known) == [(0, 3, "PER"), (13, 17, "PER")]


def test_strings_are_literal_not_patterns() -> None:
    known = {"U.S.": "GPE", "C++": "MISC", "(BPBD)": "ORG", "a.b": "X"}
    text = "U.S. and USAS, C++ code, BPBD (BPBD) axb a.b"
    assert found(text, known) == [
        ("U.S.", "GPE"),
        ("C++", "MISC"),
        ("(BPBD)", "ORG"),
        ("a.b", "X"),
    ]


def test_matching_is_case_sensitive() -> None:
    assert find_mentions("rusia Rusia", {"Rusia": "GPE"}) == [(6, 11, "GPE")]


def test_nothing_known_finds_nothing() -> None:
    assert find_mentions("Rusia", {}) == []
    assert find_mentions("Rusia", {"": "GPE"}) == []
    assert find_mentions("", KNOWN) == []


def test_very_long_known_strings() -> None:
    long = "Kutipan " + "sangat " * 300 + "panjang"
    known = {long: "QUOTE", long[:-8]: "SHORTER", "a" * 120: "A", "a" * 121: "B"}
    text = f"Awal. {long} akhir. {'a' * 121} {'a' * 122}"
    assert find_mentions(text, known) == [
        (6, 6 + len(long), "QUOTE"),
        (len(text) - 244, len(text) - 123, "B"),
    ]


def test_thousands_of_entries_on_a_million_characters_is_fast() -> None:
    rng = random.Random(7)

    def word() -> str:
        return "".join(rng.choice("abcdeghijklmnoprstuwy") for _ in range(rng.randint(2, 9)))

    known = {f"{word().capitalize()} {word().capitalize()}": "PER" for _ in range(3000)}
    known |= {word().capitalize(): "ORG" for _ in range(3000)}
    names = list(known)
    pieces = [rng.choice(names) if rng.random() < 0.05 else word() for _ in range(200_000)]
    text = " ".join(pieces)[:1_000_000]
    started = time.perf_counter()
    mentions = find_mentions(text, known)
    assert time.perf_counter() - started < 3.0
    assert len(mentions) > 5000
    assert all(known[text[start:end]] == label for start, end, label in mentions)


# Agreement with a slow, obviously correct scan

_CONTINUING = {"\u0301", "\u200d"}
_ALPHABET = ["a", "b", "A", "é", " ", "-", ".", "\u0301", "\u200d", "🔬", "\n"]


def slow_mentions(text: str, known: dict[str, str]) -> list[tuple[int, int, str]]:
    def is_word(char: str) -> bool:
        return re.match(r"\w", char) is not None

    def fits(surface: str, start: int) -> bool:
        end = start + len(surface)
        if not surface or not text.startswith(surface, start):
            return False
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if is_word(surface[0]) and before and (is_word(before) or before in _CONTINUING):
            return False
        if not is_word(surface[0]) and before == "\u200d":
            return False
        if is_word(surface[-1]) and after and is_word(after):
            return False
        return after not in _CONTINUING

    mentions = []
    start = 0
    while start < len(text):
        fitting = [surface for surface in known if fits(surface, start)]
        if fitting:
            longest = max(fitting, key=len)
            mentions.append((start, start + len(longest), known[longest]))
            start += len(longest)
        else:
            start += 1
    return mentions


_TEXTS = st.lists(st.sampled_from(_ALPHABET), max_size=30).map("".join)


@given(
    _TEXTS,
    st.dictionaries(
        st.lists(st.sampled_from(_ALPHABET), max_size=4).map("".join),
        st.sampled_from(["X", "Y"]),
        max_size=6,
    ),
)
def test_agrees_with_a_slow_scan(text: str, known: dict[str, str]) -> None:
    assert find_mentions(text, known) == slow_mentions(text, known)
