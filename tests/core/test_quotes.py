"""Rule-based quotation, cue and speaker suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.quotes import QuoteSuggestion, TextRange, find_quotes
from annotator.core.text import normalise_newlines

SAMPLES = Path(__file__).resolve().parents[2] / "sample_articles"
QUOTE_MARKS = '"“”„«»'


def load(name: str) -> str:
    """A sample's text as the importer stores it (UTF-8, ``\\n`` line ends)."""
    return normalise_newlines((SAMPLES / name).read_bytes().decode("utf-8"))


def at(text: str, snippet: str, *, within: str | None = None) -> TextRange:
    """The range of ``snippet``: its only occurrence, or its occurrence inside ``within``."""
    if within is None:
        assert text.count(snippet) == 1, f"{snippet!r} occurs {text.count(snippet)} times"
        start = text.index(snippet)
    else:
        assert text.count(within) == 1, f"{within!r} occurs {text.count(within)} times"
        start = text.index(within) + within.index(snippet)
    return TextRange(start, start + len(snippet), snippet)


def parts(suggestion: QuoteSuggestion) -> list[str]:
    return [part.text for part in suggestion.content]


# The Indonesian sample, quotation by quotation


@pytest.fixture(scope="module")
def indonesian() -> str:
    return load("000_b9d6f5e61d96cdcf.txt")


@pytest.fixture(scope="module")
def indonesian_quotes(indonesian: str) -> list[QuoteSuggestion]:
    return find_quotes(indonesian, "id")


def test_indonesian_sample_has_six_quotations(indonesian_quotes: list[QuoteSuggestion]) -> None:
    assert len(indonesian_quotes) == 6
    assert all(len(quote.content) == 1 for quote in indonesian_quotes)


def test_quote_paragraph_takes_cue_and_speaker_from_the_sentence_before(
    indonesian: str, indonesian_quotes: list[QuoteSuggestion]
) -> None:
    quote = indonesian_quotes[0]
    assert quote.content == (
        at(
            indonesian,
            '"Ini bukan keputusan politik, ini keputusan militer. Saya yakin ini sangat sulit '
            'tetapi tidak ada keputusan yang mudah dalam perang."',
        ),
    )
    assert quote.cue == at(indonesian, "mengatakan", within="mengatakan kepada Newsweek")
    assert quote.speaker == at(indonesian, "Andriy Zagorodnyuk")
    assert not quote.floating


def test_curly_quote_with_kata_after_it(
    indonesian: str, indonesian_quotes: list[QuoteSuggestion]
) -> None:
    quote = indonesian_quotes[1]
    assert quote.content == (
        at(
            indonesian,
            "“Kami tidak dapat sepenuhnya memahami detailnya karena keputusan tersebut dibuat "
            "dengan menggunakan semua detail intelijen dan perencanaan kampanye operasional "
            "yang tersedia,”",
        ),
    )
    assert quote.cue == at(indonesian, "kata", within="kata Zagorodnyuk.")
    assert quote.speaker == at(indonesian, "Zagorodnyuk", within="kata Zagorodnyuk.")
    assert not quote.floating


def test_curly_opening_closed_by_straight_mark_is_floating(
    indonesian: str, indonesian_quotes: list[QuoteSuggestion]
) -> None:
    quote = indonesian_quotes[2]
    assert quote.content == (
        at(
            indonesian,
            "“Namun, jelas bahwa, kecuali sisa kemampuan Rusia tidak diblokir di Bakhmut, "
            "mereka akan dengan cepat fokus pada area lain di Donbas, yang mungkin berdampak "
            "pada sejumlah besar warga sipil yang tinggal di sana dan mungkin persiapan untuk "
            'serangan balasan di masa depan."',
        ),
    )
    assert quote.cue is None
    # Inherited from the previous quotation: the very same range.
    assert quote.speaker == at(indonesian, "Zagorodnyuk", within="kata Zagorodnyuk.")
    assert quote.floating


def test_cue_before_the_quote_and_title_dropped_from_the_speaker(
    indonesian: str, indonesian_quotes: list[QuoteSuggestion]
) -> None:
    quote = indonesian_quotes[3]
    assert quote.content == (
        at(
            indonesian,
            '"musuh terus melakukan upaya yang gagal untuk mengepung kota dan bergerak maju."',
        ),
    )
    assert quote.cue == at(indonesian, "mengatakan", within="Syrskyi, mengatakan dalam")
    assert quote.speaker == at(indonesian, "Oleksandr Syrskyi")
    assert not quote.floating


def test_speaker_right_before_the_cue(
    indonesian: str, indonesian_quotes: list[QuoteSuggestion]
) -> None:
    quote = indonesian_quotes[4]
    assert quote.content == (
        at(
            indonesian,
            '"melawan tekanan musuh yang hebat. Berkat pekerjaan mereka, tank musuh, IFV '
            "[kendaraan tempur infanteri], MLRS [sistem roket peluncuran ganda], dan depot "
            'amunisi terbang ke udara."',
        ),
    )
    assert quote.cue == at(indonesian, "menambahkan")
    assert quote.speaker == at(indonesian, "Syrskyi", within="Syrskyi menambahkan")
    assert not quote.floating


def test_straight_quote_with_kata_after_it(
    indonesian: str, indonesian_quotes: list[QuoteSuggestion]
) -> None:
    quote = indonesian_quotes[5]
    assert quote.content == (
        at(
            indonesian,
            '"Tindakan tegas dari tentara kami sangat melelahkan dan melemahkan semangat musuh '
            'serta mendekatkan kemenangan kami,"',
        ),
    )
    assert quote.cue == at(indonesian, "kata", within="kata Syrskyi.")
    assert quote.speaker == at(indonesian, "Syrskyi", within="kata Syrskyi.")
    assert not quote.floating


def test_language_none_finds_the_same_in_the_indonesian_sample(
    indonesian: str, indonesian_quotes: list[QuoteSuggestion]
) -> None:
    assert find_quotes(indonesian) == indonesian_quotes


# The English samples


def test_english_sample_quotes_cues_and_speakers() -> None:
    text = load("001_harbor_city_council_budget.txt")
    quotes = find_quotes(text, "en")
    assert [parts(quote) for quote in quotes] == [
        ['"We cannot keep asking families to rebuild in the same place every other winter,"'],
        ['"This budget is expensive, but doing nothing has been costing us more."'],
        [
            '"People in Eastbank deserve to know what they will be offered before we vote, '
            'not after,"'
        ],
        ['"cut the time it takes to drain Eastbank from two days to a few hours."'],
        ['"hundreds of jobs on the waterfront,"'],
    ]
    whitford, budget, eastbank, pumps, jobs = quotes
    for quote in quotes:
        assert quote.content == (at(text, quote.content[0].text),)

    assert whitford.cue == at(text, "told")
    assert whitford.speaker == at(text, "Angela Whitford")  # without the title "Mayor"
    assert not whitford.floating
    # A new sentence after the cue's: a floating quotation of the same speaker.
    assert budget.cue is None
    assert budget.speaker == whitford.speaker
    assert budget.floating

    # "said" in the sentence before is out of reach; the one after the quotation is the cue.
    assert eastbank.cue == at(text, "said", within="he said.")
    assert eastbank.speaker == at(text, "he", within="he said.")
    assert pumps.cue == at(text, "said", within="Nandakumar, said")
    assert pumps.speaker == at(text, "Priya Nandakumar")
    # "warned" comes after the quotation but in another clause ("while ...").
    assert jobs.cue == at(text, "said", within="Commerce said")
    assert jobs.speaker == at(text, "Harbor City Chamber of Commerce")
    assert not any(quote.floating for quote in (eastbank, pumps, jobs))


def test_crlf_sample_offsets_are_in_the_imported_text() -> None:
    text = load("004_rail_signal_fault_crlf.txt")
    quotes = find_quotes(text, "en")
    assert [(parts(q), q.cue and q.cue.text, q.speaker and q.speaker.text) for q in quotes] == [
        (
            ['"We sat in a tunnel for ninety minutes and heard two announcements,"'],
            "said",
            "Laura Bennett",
        ),
        (['"Nobody told us whether to wait or walk."'], None, "Laura Bennett"),
        (['"This was not good enough, and we know it,"'], "said", "Cole"),
        (
            ['"We are reviewing how we communicate with passengers who are stuck on a train."'],
            None,
            "Cole",
        ),
        (
            [
                '"People plan their whole day around this railway. They need to know it will be '
                'fixed properly, not patched again,"'
            ],
            "said",
            "Adeyemi",
        ),
    ]
    assert quotes[0].cue == at(text, "said", within="said Laura Bennett")
    assert quotes[0].speaker == at(text, "Laura Bennett")
    assert quotes[4].speaker == at(text, "Adeyemi", within="Adeyemi said")
    assert [quote.floating for quote in quotes] == [False, True, False, True, False]


def test_emoji_sample_counts_code_points_and_skips_nicknames() -> None:
    text = load("003_lab_rover_social_media.txt")
    quotes = find_quotes(text, "en")
    found = [part.text for quote in quotes for part in quote.content]
    assert '"Kodok"' not in found  # nicknamed "Kodok": a name, not a quotation
    assert '"bigger eyes 👀"' not in found  # two words, its cue "said" is far away
    anggraini = next(q for q in quotes if q.content[0].text.startswith('"We honestly'))
    assert anggraini.content == (
        at(text, '"We honestly expected maybe fifty likes from our friends 😅,"'),
    )
    assert anggraini.cue == at(text, "said", within="Anggraini said in")
    assert anggraini.speaker == at(text, "Anggraini", within="Anggraini said in")
    fjord = next(q for q in quotes if q.content[0].text == '"a Kodok for every fjord"')
    assert fjord.cue == at(text, "wrote")
    assert fjord.speaker is None


def test_indonesian_enclitic_cue_has_no_speaker_name() -> None:
    text = load("002_banjir_rob_pekalongan.txt")
    quotes = find_quotes(text, "id")
    assert [(q.cue and q.cue.text, q.speaker and q.speaker.text) for q in quotes] == [
        ("kata", "Siti Rohmah"),
        ("ujarnya", None),
        ("kata", "Agus"),
        ("ujarnya", None),
    ]


# Rules on small texts


def test_split_quote_is_one_suggestion_with_two_parts() -> None:
    text = "“Kami siap,” kata Budi Santoso, “dan kami tidak akan mundur.” Lalu dia pergi."
    [quote] = find_quotes(text)
    assert quote.content == (
        at(text, "“Kami siap,”"),
        at(text, "“dan kami tidak akan mundur.”"),
    )
    assert quote.cue == at(text, "kata")
    assert quote.speaker == at(text, "Budi Santoso")
    assert not quote.floating


def test_split_quote_in_english() -> None:
    text = 'Residents were angry. "It floods," said Maria de la Cruz, "every single winter."'
    [quote] = find_quotes(text, "en")
    assert parts(quote) == ['"It floods,"', '"every single winter."']
    assert quote.cue == at(text, "said")
    assert quote.speaker == at(text, "Maria de la Cruz")


def test_quote_after_the_cue_sentence_is_not_split() -> None:
    text = '"It floods," Cole said. "Every winter."'
    first, second = find_quotes(text, "en")
    assert parts(first) == ['"It floods,"']
    assert parts(second) == ['"Every winter."']
    assert second.cue is None
    assert second.speaker == first.speaker == at(text, "Cole")
    assert second.floating


@pytest.mark.parametrize(
    ("text", "quotation"),
    [
        ("«Kami siap», kata Budi.", "«Kami siap»"),
        ("»Kami siap«, kata Budi.", "»Kami siap«"),
        ("„Kami siap,“ kata Budi.", "„Kami siap,“"),
        ('“Kami siap," kata Budi.', '“Kami siap,"'),
        ('"Kami siap,” kata Budi.', '"Kami siap,”'),
    ],
)
def test_other_quote_mark_pairs(text: str, quotation: str) -> None:
    [quote] = find_quotes(text, "id")
    assert quote.content == (at(text, quotation),)
    assert quote.cue == at(text, "kata")
    assert quote.speaker == at(text, "Budi")


def test_guillemets_nested_in_a_curly_quote_stay_inside_it() -> None:
    text = "“Mereka menyebutnya «operasi khusus», bukan perang,” kata Budi."
    [quote] = find_quotes(text)
    assert parts(quote) == ["“Mereka menyebutnya «operasi khusus», bukan perang,”"]


def test_a_blank_line_breaks_a_pair() -> None:
    text = 'Budi berkata "Kami siap sejak pagi\n\nuntuk berangkat," kata Budi.'
    assert find_quotes(text) == []


def test_a_quotation_never_crosses_a_line_break() -> None:
    text = '"Paragraf pertama kutipan panjang.\n"Paragraf kedua kutipan itu," kata Budi.'
    [quote] = find_quotes(text)
    assert parts(quote) == ['"Paragraf kedua kutipan itu,"']
    assert quote.speaker == at(text, "Budi")


def test_unpaired_mark_is_ignored() -> None:
    text = '"Kami siap," kata Budi. "Tanpa penutup'
    [quote] = find_quotes(text)
    assert parts(quote) == ['"Kami siap,"']


def test_straight_marks_pair_left_to_right() -> None:
    text = '"Kami siap," kata Budi, sementara "kami belum," kata Ani.'
    first, second = find_quotes(text)
    assert (parts(first), first.speaker) == (['"Kami siap,"'], at(text, "Budi"))
    assert (parts(second), second.speaker) == (['"kami belum,"'], at(text, "Ani"))


@pytest.mark.parametrize(
    "text",
    [
        'The rover, nicknamed "Kodok" (Indonesian for frog), was built in Bandung.',
        'Warga menjuluki tanggul itu "tembok rapuh" sejak lama.',
        "They called it “big frog energy” online.",
        'An empty "" pair.',
    ],
)
def test_scare_quotes_are_ignored(text: str) -> None:
    assert find_quotes(text) == []


def test_short_quotation_next_to_a_cue_is_kept() -> None:
    text = 'Ditanya soal banjir, Budi mengatakan "sangat parah" kepada wartawan.'
    [quote] = find_quotes(text)
    assert parts(quote) == ['"sangat parah"']
    assert quote.cue == at(text, "mengatakan")
    assert quote.speaker == at(text, "Budi")


def test_emoji_before_a_quote_offsets_are_code_points() -> None:
    text = '👩‍🔬🇮🇩 "Kami siap," kata Budi.'  # 3 + 2 code points before the space
    [quote] = find_quotes(text)
    assert quote.content == (TextRange(6, 18, '"Kami siap,"'),)
    assert quote.cue == TextRange(19, 23, "kata")
    assert quote.speaker == TextRange(24, 28, "Budi")


def test_pronoun_is_the_speaker_when_no_name_is_next_to_the_cue() -> None:
    text = 'Menurut dia, "rencana itu gagal total."'
    [quote] = find_quotes(text)
    assert quote.cue == at(text, "Menurut")
    assert quote.speaker == at(text, "dia")


def test_according_to_and_abbreviated_title() -> None:
    text = 'According to Dr. Rina Kartikasari, "the ground sinks every year."'
    [quote] = find_quotes(text, "en")
    assert quote.cue == at(text, "According to")
    assert quote.speaker == at(text, "Rina Kartikasari")


def test_full_stop_inside_the_marks_ends_the_sentence() -> None:
    text = 'Smith said: "The plan failed." Jones said the council would meet again.'
    [quote] = find_quotes(text, "en")
    assert quote.cue == at(text, "said", within="Smith said")
    assert quote.speaker == at(text, "Smith")
    # ... unless the text goes on in lower case.
    text = '"Rencana itu gagal." kata Budi.'
    [quote] = find_quotes(text, "id")
    assert quote.cue == at(text, "kata")


def test_first_floating_quote_has_no_speaker() -> None:
    text = 'The caption read "small frog, big job" under the video.'
    [quote] = find_quotes(text, "en")
    assert quote == QuoteSuggestion((at(text, '"small frog, big job"'),), None, None, True)


def test_cue_words_are_whole_words_and_per_language() -> None:
    assert find_quotes('"Kami siap semua," katakan saja.')[0].cue is None
    assert find_quotes('"Kami siap semua," kata-kata itu.')[0].cue is None
    assert find_quotes('"Kami siap semua," kata Budi.', "en")[0].cue is None
    assert find_quotes('"We are all ready," said Budi.', "id")[0].cue is None
    assert find_quotes('"We are all ready," said Budi.', "en-GB")[0].cue is not None


def test_long_name_runs_keep_the_last_four_names() -> None:
    text = '"Kami siap semua," kata Raden Mas Haryo Bagus Santoso.'
    [quote] = find_quotes(text)
    assert quote.speaker == at(text, "Mas Haryo Bagus Santoso")


# Every range is a faithful slice of the text


_PIECES = st.sampled_from(
    [
        *QUOTE_MARKS,
        " ",
        "  ",
        ", ",
        ". ",
        "\n",
        "\n\n",
        "kata",
        "said",
        "mengatakan",
        "according to",
        "he",
        "dia",
        "Budi",
        "Santoso",
        "Dr.",
        "de",
        "Kami siap",
        "the plan",
        "👩\u200d🔬",
        "🇮🇩",
        "e\u0301",
        "Zoë",
    ]
)


@given(st.lists(_PIECES, max_size=40).map("".join))
def test_every_range_is_a_slice_of_the_text(text: str) -> None:
    previous_end = -1
    for quote in find_quotes(text):
        assert quote.content
        ranges = [*quote.content, quote.cue, quote.speaker]
        for found in ranges:
            if found is not None:
                assert 0 <= found.start < found.end <= len(text)
                assert text[found.start : found.end] == found.text
        for part in quote.content:
            assert part.text[0] in QUOTE_MARKS
            assert part.text[-1] in QUOTE_MARKS
            assert "\n" not in part.text
            assert part.start >= previous_end
            previous_end = part.end
        if quote.floating:
            assert quote.cue is None
