"""French typography in one place: the no-break spaces French puts before « : ; ! ? », inside
« guillemets », before a percent sign and between groups of digits (issue 18).

Message ids are typed with ordinary spaces, as people type; a space there lets a browser or a
mail reader break the line before a colon or a closing guillemet. Rather than edit every message,
French messages go through `french_spacing` when they are looked up (`cobudget.i18n`), and the
literal text of templates when they are compiled (`rendering.FrenchSpacing`). Only spaces change:
a colon without a space before it (a URL, a time such as 10:30, `%(x)s:`) is left alone, and so is
everything that is not a space, so placeholders, words and code stay as they were. Names and
texts people typed are not messages, and are never touched.

Following the Imprimerie nationale's usage (and Babel's own amounts, `1 234,50 €`): a no-break
space (U+00A0) before a colon and inside guillemets; a narrow no-break space (U+202F) before
« ; ! ? % » and between groups of three digits.
"""

from __future__ import annotations

import re
from functools import lru_cache

NBSP = "\u00a0"
NNBSP = "\u202f"

_SPACES = f"[ {NBSP}{NNBSP}]+"
_BEFORE_WIDE = re.compile(f"{_SPACES}(?=[:»])")
_BEFORE_NARROW = re.compile(f"{_SPACES}(?=[;!?]|%%|%(?=$|[\\s.,;)]))")
_BEFORE_MARKS = re.compile(f"{_SPACES}(?=[;!?])")
_AFTER_OPENING = re.compile(f"«{_SPACES}")
_DIGIT_GROUPS = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")


@lru_cache(maxsize=8192)
def french_spacing(text: str, *, numbers: bool = True) -> str:
    """`text` with the spaces French typography wants unbreakable made so; nothing else changes.

    Idempotent; a text without a space before « : ; ! ? » or around guillemets is returned as it
    is. `%(name)s` placeholders are never taken for a percent sign. `numbers=False` leaves
    digits and percent signs alone: the markup of a template holds numbers that are not amounts
    (an SVG's `viewBox="0 0 800 600"`, a path's coordinates)."""
    if " " not in text and NBSP not in text and NNBSP not in text:
        return text
    text = _BEFORE_WIDE.sub(NBSP, text)
    text = (_BEFORE_NARROW if numbers else _BEFORE_MARKS).sub(NNBSP, text)
    text = _AFTER_OPENING.sub("«" + NBSP, text)
    return _DIGIT_GROUPS.sub(NNBSP, text) if numbers else text
