"""Finding challenges (issue 17): the words a search box gives, read into match expressions that
no text can break, and the one status a challenge shows.

Words are folded as both databases fold what they index (accents and case removed: FTS5's
`unicode61 remove_diacritics 2`, and on PostgreSQL the same folding written in SQL,
`db/search.py`), cut at every character that is neither a letter nor a digit, and each becomes
a prefix: « coopérative » finds « Coopératives ». Only letters and digits ever reach a match
expression, each term quoted, so no query syntax (`"`, `AND`, `*`, `:`, `!`) can be typed in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

# Bounds of one search: what is read of the box, and how many words count.
MAX_QUERY_LENGTH = 200
MAX_WORDS = 8
MAX_WORD_LENGTH = 40

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case, without accents: « Éco-Lieu » → « eco-lieu »."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words_of(text: str) -> tuple[str, ...]:
    """The words of a search box, folded, at most `MAX_WORDS`, each cut to `MAX_WORD_LENGTH`,
    without repeats; empty when nothing in it is a letter or a digit."""
    found: list[str] = []
    for word in _WORD.findall(fold(text[:MAX_QUERY_LENGTH])):
        word = word[:MAX_WORD_LENGTH]
        if word not in found:
            found.append(word)
        if len(found) == MAX_WORDS:
            break
    return tuple(found)


def fts5_match(words: tuple[str, ...]) -> str:
    """An FTS5 MATCH expression: every word, quoted, as a prefix (`"eco"* "lieu"*`)."""
    return " ".join(f'"{word}"*' for word in words)


def tsquery(words: tuple[str, ...]) -> str:
    """A PostgreSQL `to_tsquery` text: every word, quoted, as a prefix (`'eco':* & 'lieu':*`)."""
    return " & ".join(f"'{word}':*" for word in words)


class ChallengeStatus(StrEnum):
    """Where a challenge stands, one status each, the furthest along it went."""

    DRAFT = "draft"  # no version published
    DIAGNOSIS = "diagnosis"  # published: waiting for a round, in one, or short of quorum
    TO_AMEND = "to_amend"  # its latest round found an objection standing
    CONSENTED = "consented"  # its latest round, on its current version, consented
    FUNDED = "funded"  # a published settlement funded it
    REPORTED = "reported"  # a report on it was published
    WITHDRAWN = "withdrawn"  # its proposers withdrew it


@dataclass(frozen=True)
class StatusFacts:
    """What a challenge's status is decided from."""

    current_version: int
    withdrawn: bool
    reported: bool
    funded: bool
    latest_round_version: int | None  # the version its latest round is on, if any
    latest_round_outcome: str | None  # domain.consent.Outcome's value


def challenge_status(facts: StatusFacts) -> ChallengeStatus:
    """The challenge's status: withdrawn first whatever it did before, then the furthest of
    reported, funded, consented or to amend (judged by its latest round, on its current
    version), then draft or in diagnosis."""
    if facts.withdrawn:
        return ChallengeStatus.WITHDRAWN
    if facts.current_version == 0:
        return ChallengeStatus.DRAFT
    if facts.reported:
        return ChallengeStatus.REPORTED
    if facts.funded:
        return ChallengeStatus.FUNDED
    if facts.latest_round_version == facts.current_version:
        if facts.latest_round_outcome == "consented":
            return ChallengeStatus.CONSENTED
        if facts.latest_round_outcome == "to_amend":
            return ChallengeStatus.TO_AMEND
    return ChallengeStatus.DIAGNOSIS
