"""Find the strings already labelled somewhere in a project again, in another article.

All known strings go into one regular expression shaped as a trie (``Rusia(?:nya)?`` rather than
``Rusianya|Rusia``): at each position the longest known string wins, as with an alternation
sorted longest first, but the engine never tries thousands of alternatives one by one, so a
million-character text with thousands of entries takes a fraction of a second.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

# Code points that continue the character before them: combining marks, the zero-width joiner,
# variation selectors and emoji skin tones. A match may not end just before one.
_CONTINUING = (
    "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\u200d\ufe00-\ufe0f\U0001f3fb-\U0001f3ff"
)
_WORD_CHAR = re.compile(r"\w")
_WORD_START_CHECK = rf"(?<![\w{_CONTINUING}].)"
_OTHER_START_CHECK = r"(?<!\u200d.)"
_END_CHECK = rf"(?:(?<=\w)(?![\w{_CONTINUING}])|(?<!\w)(?![{_CONTINUING}]))"

# Only the first characters of each string go into the trie, which bounds the pattern's nesting
# (and the recursion needed to compile it) however long a labelled string is.
_TRIE_DEPTH = 40


def find_mentions(
    text: str, known: Mapping[str, str], taken: Iterable[tuple[int, int]] = ()
) -> list[tuple[int, int, str]]:
    """Every whole-word occurrence in ``text`` of a string of ``known`` (surface -> label).

    Matches are ``(start, end, label)`` in code points, leftmost-longest and non-overlapping.
    A string that begins or ends with a word character matches only where it is not part of a
    longer word (Unicode-aware: "AS" is not found in "ASEAN", "Rusia" not in "Rusianya").
    Matches whose range is exactly one of ``taken`` (already annotated) are left out; shorter
    strings inside them are not offered instead.
    """
    surfaces = frozenset(surface for surface in known if surface)
    if not surfaces:
        return []
    skip = set(taken)
    return [
        (match.start(), match.end(), known[match.group()])
        for match in _pattern(surfaces).finditer(text)
        if match.span() not in skip
    ]


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    # What the strings passing through here still have to match beyond the trie's depth ("" for
    # a string that ends here).
    rests: set[str] = field(default_factory=set)


@lru_cache(maxsize=8)
def _pattern(surfaces: frozenset[str]) -> re.Pattern[str]:
    root = _Node()
    for surface in surfaces:
        node = root
        for char in surface[:_TRIE_DEPTH]:
            node = node.children.setdefault(char, _Node())
        node.rests.add(surface[_TRIE_DEPTH:])
    # One end check for all strings, after the trie: when it fails the engine backtracks into
    # the trie for a shorter string.
    return re.compile(_branches(root, first=True) + _END_CHECK, re.DOTALL)


def _branches(node: _Node, first: bool = False) -> str:
    """The pattern matching the rest of any known string below ``node``, longest first."""
    options = []
    for char in sorted(node.children):
        option = re.escape(char)
        if first:
            # The check before a string sits after its first character (a look-behind over
            # both), so every top-level branch starts with a literal, which lets the engine
            # skip quickly over positions where no known string can start.
            option += _WORD_START_CHECK if _WORD_CHAR.match(char) else _OTHER_START_CHECK
        options.append(option + _branches(node.children[char]))
    # After the children and longest first ("" last), so that the longest string wins.
    options += [re.escape(rest) for rest in sorted(node.rests, key=len, reverse=True)]
    return options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"
