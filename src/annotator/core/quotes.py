"""Rule-based suggestions of quotations with their cue and speaker, for news text.

A quotation is a balanced pair of double quote marks inside one paragraph. Articles are stored
with one paragraph a line, so a quotation never crosses a line break (nor, a fortiori, a blank
line). Its cue is the nearest cue verb in the same sentence, before the opening mark or after the
closing one; its speaker is the capitalised name (or pronoun) next to that cue. Everything here
is a suggestion for a person to accept or correct, not an analysis.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class TextRange:
    """``text == article[start:end]``, in code points, end exclusive."""

    start: int
    end: int
    text: str

    @classmethod
    def of(cls, article: str, start: int, end: int) -> TextRange:
        return cls(start, end, article[start:end])


@dataclass(frozen=True)
class QuoteSuggestion:
    """A quotation (marks included), split in several parts when it continues after its cue."""

    content: tuple[TextRange, ...]
    cue: TextRange | None
    speaker: TextRange | None
    floating: bool


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


_INDONESIAN_CUES = _words(
    "kata katanya mengatakan ujar ujarnya tutur tuturnya menjelaskan menyebut menyebutkan "
    "menegaskan mengungkapkan menyampaikan menambahkan menurut dikatakan disampaikan jelasnya "
    "imbuhnya tegasnya"
)
_ENGLISH_CUES = _words(
    "said says say told tells added adds stated explained wrote asked according\\s+to noted "
    "warned argued insisted claimed"
)
# Cues whose speaker follows them even when they come before the quotation ("menurut X, ...").
_INVERTED_CUES = frozenset({"kata", "menurut", "according to"})

# Opening mark -> the marks that may close it.
_CLOSERS = {'"': '"”', "“": '”"', "„": "“”", "«": "»", "»": "«"}
_MARK = re.compile('["“”„«»]')
_PARAGRAPH = re.compile(r"[^\n]*\S[^\n]*")
_WORD = re.compile(r"[^\W\d_](?:[\w'\u2019-]*\w)?")
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”\u2019»)\]]*(?=\s)")
_WORD_BEFORE = re.compile(r"(?<!\w)(\w+)\.$")
_SPACE = re.compile(r"\s+")
_COMMA = re.compile(r"\s*,\s*")
_ABBREVIATION_GAP = re.compile(r"\.\s+")

# Cues usually sit within a few words of the quotation; the sample's "Kolonel Jenderal Oleksandr
# Syrskyi, mengatakan dalam sebuah pernyataan ... pada Rabu, "musuh ..." needs about 80.
_REACH = 100
# A 1-3 word quotation without punctuation is a name or term unless a cue is this close.
_SCARE_REACH = 60
_SCARE_WORDS = 3
_SCARE_PUNCTUATION = frozenset(".,;:!?…")
_MAX_NAME_WORDS = 4
# How far from its cue a speaker's name may reach.
_NAME_REACH = 200

_PRONOUNS = _words("he she they dia ia mereka beliau")
# Capitalised words that start a sentence or stand for a speaker without naming one.
_FUNCTION_WORDS = _words(
    "the a an this that these those it we i you in on at but and or so then however also "
    "ini itu namun tetapi dan atau lalu kemudian juga para sang si kami kita saya"
)
_TITLES = _words(
    "mr mrs ms miss dr prof sir dame lord lady president vice prime minister mayor governor "
    "senator sen rep representative councillor councilor chancellor secretary general gen "
    "colonel col lieutenant lt captain capt commander chief judge justice king queen prince "
    "princess former "
    "presiden wakil menteri gubernur bupati wali walikota kolonel jenderal letnan kapten komandan "
    "kepala ketua direktur sekretaris pak bu bapak ibu mantan ir drs hj kh"
)
# Abbreviations after which a full stop does not end the sentence ("Dr. Hendra").
_ABBREVIATIONS = _words("mr mrs ms dr prof st jr sr gen col lt capt sen rep gov ir drs hj h no vs")
_PARTICLES = _words("bin binti van von der den de da di del della du la le al el of")
# A clause between a quotation and a later cue means the cue belongs to someone else.
_CONJUNCTIONS = _words(
    "and but while whereas although though because as when so or yet then after before since "
    "until dan tetapi tapi namun sedangkan sementara karena ketika saat lalu kemudian serta "
    "atau sehingga setelah sebelum"
)


@dataclass(frozen=True)
class _Cue:
    start: int
    end: int
    paragraph: int
    before_quote: bool


@dataclass(frozen=True)
class _Quote:
    start: int
    end: int
    paragraph: int
    cue: _Cue | None


def find_quotes(text: str, language: str | None = None) -> list[QuoteSuggestion]:
    """Suggest the quotations of ``text`` with their cue and speaker, in text order.

    ``language`` ("id", "en", ...) restricts the cue verbs; ``None`` or another language uses
    both lists. A quotation whose cue follows it and is also the cue before the next quotation
    of the sentence ('"A," kata X, "B."') gets both as content parts.

    A quotation with no cue in its own sentence that opens a paragraph takes the cue and speaker
    of the previous paragraph's last sentence when that sentence has a cue and no quotation
    ("X mengatakan kepada Newsweek, ..." introducing a quoted paragraph); it is then not
    floating, since a cue was found. Any other quotation without a cue is floating and inherits
    the speaker of the previous quotation (``None`` when there is none).
    """
    cue_pattern = _cue_pattern(language)
    paragraphs = [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]
    quotes: list[_Quote] = []
    for index, (start, end) in enumerate(paragraphs):
        cues = [m.span() for m in cue_pattern.finditer(text, start, end)]
        pairs = _pairs(text, start, end)
        for k, (q_start, q_end) in enumerate(pairs):
            lower = pairs[k - 1][1] if k else start
            upper = pairs[k + 1][0] if k + 1 < len(pairs) else end
            cue = _nearest_cue(text, (q_start, q_end), (lower, upper), cues, index)
            far = cue is None or _gap(cue, q_start, q_end) > _SCARE_REACH
            if far and _is_scare_quote(text[q_start + 1 : q_end - 1]):
                continue
            quotes.append(_Quote(q_start, q_end, index, cue))

    suggestions: list[QuoteSuggestion] = []
    for k, quote in enumerate(quotes):
        content = TextRange.of(text, quote.start, quote.end)
        if k and _continues(quotes[k - 1], quote):
            last = suggestions[-1]
            suggestions[-1] = QuoteSuggestion(
                (*last.content, content), last.cue, last.speaker, floating=False
            )
            continue
        cue = quote.cue
        if cue is None:
            cue = _introducing_cue(text, quote, paragraphs, cue_pattern)
        if cue is None:
            speaker = suggestions[-1].speaker if suggestions else None
            suggestions.append(QuoteSuggestion((content,), None, speaker, floating=True))
            continue
        cue_range = TextRange.of(text, cue.start, cue.end)
        speaker = _speaker(text, cue, *paragraphs[cue.paragraph])
        suggestions.append(QuoteSuggestion((content,), cue_range, speaker, floating=False))
    return suggestions


def _cue_pattern(language: str | None) -> re.Pattern[str]:
    code = re.split(r"[-_]", language.lower())[0] if language else ""
    if code in {"id", "in", "ind"}:
        words = _INDONESIAN_CUES
    elif code in {"en", "eng"}:
        words = _ENGLISH_CUES
    else:
        words = _INDONESIAN_CUES | _ENGLISH_CUES
    # Longest first, so "katanya" wins over "kata"; a hyphen counts as part of the word so
    # that the noun "kata-kata" is not a cue.
    alternation = "|".join(sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)


def _pairs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Balanced quote marks in ``text[start:end]``, left to right; unpaired marks are dropped."""
    pairs: list[tuple[int, int]] = []
    opener: int | None = None
    for mark in _MARK.finditer(text, start, end):
        char, at = mark.group(), mark.start()
        if opener is None:
            if char in _CLOSERS:
                opener = at
        elif char in _CLOSERS[text[opener]]:
            pairs.append((opener, at + 1))
            opener = None
        elif char == text[opener]:
            opener = at  # the earlier opening mark was never closed
    return pairs


def _sentence_stops(text: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """Sentence-final punctuation followed by a space in ``text[start:end]``, except "Dr."."""
    for stop in _SENTENCE_END.finditer(text, start, end):
        if stop.group() == ".":
            before = _WORD_BEFORE.search(text, max(0, stop.start() - 12), stop.start() + 1)
            word = before.group(1) if before else ""
            if word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper()):
                continue
        yield stop


def _ends_sentence(text: str, start: int, end: int) -> bool:
    return next(_sentence_stops(text, start, end), None) is not None


def _nearest_cue(
    text: str,
    quote: tuple[int, int],
    bounds: tuple[int, int],
    cues: list[tuple[int, int]],
    paragraph: int,
) -> _Cue | None:
    """The nearest cue in the quotation's sentence, within ``bounds`` (the neighbouring
    quotations or the paragraph's ends)."""
    q_start, q_end = quote
    lower, upper = max(bounds[0], q_start - _REACH), min(bounds[1], q_end + _REACH)
    found: list[_Cue] = []
    before = bisect.bisect_left(cues, (q_start,)) - 1
    if before >= 0 and cues[before][0] >= lower:
        cue_start, cue_end = cues[before]
        if not _ends_sentence(text, cue_end, q_start):
            found.append(_Cue(cue_start, cue_end, paragraph, before_quote=True))
    after = bisect.bisect_left(cues, (q_end,))
    if after < len(cues) and cues[after][1] <= upper:
        cue_start, cue_end = cues[after]
        if _cue_may_follow(text, q_end, cue_start):
            found.append(_Cue(cue_start, cue_end, paragraph, before_quote=False))
    return min(found, key=lambda cue: _gap(cue, q_start, q_end), default=None)


def _cue_may_follow(text: str, q_end: int, cue_start: int) -> bool:
    """Whether a cue at ``cue_start`` can attribute the quotation ending at ``q_end``."""
    if _ends_sentence(text, q_end, cue_start):
        return False
    if any(w.group().lower() in _CONJUNCTIONS for w in _WORD.finditer(text, q_end, cue_start)):
        return False
    if text[q_end - 2] != ".":
        return True
    # A full stop inside the marks ends the sentence unless the text goes on in lower case
    # ('"...." kata X').
    following = _WORD.search(text, q_end)
    return following is not None and following.group()[0].islower()


def _gap(cue: _Cue, q_start: int, q_end: int) -> int:
    return q_start - cue.end if cue.before_quote else cue.start - q_end


def _is_scare_quote(inner: str) -> bool:
    return len(_WORD.findall(inner)) <= _SCARE_WORDS and not _SCARE_PUNCTUATION & set(inner)


def _continues(previous: _Quote, quote: _Quote) -> bool:
    """``"A," kata X, "B."``: two quotations of one paragraph share the cue between them."""
    return (
        previous.paragraph == quote.paragraph
        and previous.cue is not None
        and quote.cue is not None
        and not previous.cue.before_quote
        and quote.cue.before_quote
        and previous.cue.start == quote.cue.start
    )


def _introducing_cue(
    text: str, quote: _Quote, paragraphs: list[tuple[int, int]], cue_pattern: re.Pattern[str]
) -> _Cue | None:
    """For a quotation opening a paragraph: the cue of the previous paragraph's last sentence."""
    if quote.paragraph == 0 or text[paragraphs[quote.paragraph][0] : quote.start].strip():
        return None
    start, end = paragraphs[quote.paragraph - 1]
    end = start + len(text[start:end].rstrip())
    sentence = start
    for stop in _sentence_stops(text, start, end):
        sentence = stop.end()
    if _MARK.search(text, sentence, end):
        return None
    cue = cue_pattern.search(text, sentence, end)
    if cue is None:
        return None
    return _Cue(cue.start(), cue.end(), quote.paragraph - 1, before_quote=True)


def _speaker(text: str, cue: _Cue, start: int, end: int) -> TextRange | None:
    """The name or pronoun next to the cue, looking first where this kind of cue puts it.

    ``[start, end)`` is the cue's paragraph. The subject comes before most cues ("Syrskyi
    menambahkan", "Zelensky said"); after a quotation English and Indonesian also invert
    ('"...," said Smith'); "kata", "menurut" and "according to" are followed by their speaker.
    """
    start, end = max(start, cue.start - _NAME_REACH), min(end, cue.end + _NAME_REACH)
    words = [w.span() for w in _WORD.finditer(text, start, end)]
    before = next((i for i in reversed(range(len(words))) if words[i][1] <= cue.start), None)
    after = next((i for i in range(len(words)) if words[i][0] >= cue.end), None)
    just_before = (before, _SPACE, True)
    comma_before = (before, _COMMA, True)
    just_after = (after, _SPACE, False)
    if _SPACE.sub(" ", text[cue.start : cue.end].lower()) in _INVERTED_CUES:
        order = [just_after, just_before, comma_before]
    elif cue.before_quote:
        order = [just_before, comma_before]
    else:
        order = [just_before, just_after, comma_before]
    for index, gap, backwards in order:
        if index is None:
            continue
        word_start, word_end = words[index]
        between = text[word_end : cue.start] if backwards else text[cue.end : word_start]
        if gap.fullmatch(between) and (name := _name(text, words, index, backwards)):
            return name
    return None


def _name(text: str, words: list[tuple[int, int]], index: int, backwards: bool) -> TextRange | None:
    """The pronoun at ``words[index]``, or the capitalised run from there away from the cue,
    without leading function words and titles, cut to its last four names."""

    def word(i: int) -> str:
        return text[words[i][0] : words[i][1]]

    if word(index).lower() in _PRONOUNS:
        return TextRange.of(text, *words[index])
    if not word(index)[0].isupper():
        return None
    step = -1 if backwards else 1
    run = [index]
    while True:
        # Lower-case particles ("de la", "bin") belong to the name only between two names.
        k = run[-1] + step
        particles = []
        while _fits(words, k) and word(k) in _PARTICLES and _joined(text, words, k - step, k):
            particles.append(k)
            k += step
        if not (_fits(words, k) and word(k)[0].isupper() and _joined(text, words, k - step, k)):
            break
        run += [*particles, k]
    run.sort()
    while run and word(run[0]).lower() in _FUNCTION_WORDS:
        run.pop(0)
    while len(run) > 1 and word(run[0]).lower() in _TITLES | _PARTICLES:
        run.pop(0)
    if not run:
        return None
    names = [i for i in run if word(i).lower() not in _PARTICLES]
    return TextRange.of(text, words[names[-_MAX_NAME_WORDS:][0]][0], words[run[-1]][1])


def _fits(words: list[tuple[int, int]], index: int) -> bool:
    return 0 <= index < len(words)


def _joined(text: str, words: list[tuple[int, int]], one: int, other: int) -> bool:
    """Whether two neighbouring words can belong to one name: only spaces, or "Dr. " style."""
    left, right = words[min(one, other)], words[max(one, other)]
    between = text[left[1] : right[0]]
    if _SPACE.fullmatch(between):
        return True
    abbreviation = text[left[0] : left[1]].lower() in _ABBREVIATIONS
    return abbreviation and _ABBREVIATION_GAP.fullmatch(between) is not None
