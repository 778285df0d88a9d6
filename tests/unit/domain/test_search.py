"""The words of a search box and the match expressions made of them (issue 17), and the one
status a challenge shows."""

from __future__ import annotations

import re
import sqlite3

from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain.search import (
    MAX_WORD_LENGTH,
    MAX_WORDS,
    ChallengeStatus,
    StatusFacts,
    challenge_status,
    fts5_match,
    tsquery,
    words_of,
)

_SAFE_FTS5 = re.compile(r'^("[^\W_]+"\*( "[^\W_]+"\*)*)?$')
_SAFE_TSQUERY = re.compile(r"^('[^\W_]+':\*( & '[^\W_]+':\*)*)?$")


def test_accents_and_case_are_folded_and_punctuation_cuts_words() -> None:
    assert words_of("Éco-Lieu : l’ATELIER, café!") == ("eco", "lieu", "l", "atelier", "cafe")


def test_query_syntax_is_read_as_words_or_nothing() -> None:
    assert words_of('"') == ()
    assert words_of("AND OR *") == ("and", "or")
    assert fts5_match(words_of("AND OR *")) == '"and"* "or"*'
    assert tsquery(words_of("a:* & !b")) == "'a':* & 'b':*"


def test_repeats_go_and_words_are_bounded() -> None:
    assert words_of("vélo velo VÉLO") == ("velo",)
    assert len(words_of(" ".join(f"mot{n}" for n in range(50)))) == MAX_WORDS
    assert words_of("a" * 500) == ("a" * MAX_WORD_LENGTH,)


@given(st.text(max_size=300))
def test_any_text_gives_safe_match_expressions(text: str) -> None:
    words = words_of(text)
    assert len(words) <= MAX_WORDS
    assert all(0 < len(word) <= MAX_WORD_LENGTH for word in words)
    assert _SAFE_FTS5.match(fts5_match(words))
    assert _SAFE_TSQUERY.match(tsquery(words))


def _facts(**changes: object) -> StatusFacts:
    base: dict[str, object] = {
        "current_version": 1,
        "withdrawn": False,
        "reported": False,
        "funded": False,
        "latest_round_version": None,
        "latest_round_outcome": None,
    }
    return StatusFacts(**(base | changes))  # type: ignore[arg-type]


def test_each_status_follows_from_its_facts() -> None:
    assert challenge_status(_facts(current_version=0)) is ChallengeStatus.DRAFT
    assert challenge_status(_facts()) is ChallengeStatus.DIAGNOSIS
    open_round = _facts(latest_round_version=1, latest_round_outcome="open")
    assert challenge_status(open_round) is ChallengeStatus.DIAGNOSIS
    no_quorum = _facts(latest_round_version=1, latest_round_outcome="no_quorum")
    assert challenge_status(no_quorum) is ChallengeStatus.DIAGNOSIS
    amend = _facts(latest_round_version=1, latest_round_outcome="to_amend")
    assert challenge_status(amend) is ChallengeStatus.TO_AMEND
    # A new version answers the objections: back in diagnosis until its round decides.
    amended = _facts(current_version=2, latest_round_version=1, latest_round_outcome="to_amend")
    assert challenge_status(amended) is ChallengeStatus.DIAGNOSIS
    consented = _facts(latest_round_version=1, latest_round_outcome="consented")
    assert challenge_status(consented) is ChallengeStatus.CONSENTED
    assert challenge_status(_facts(funded=True)) is ChallengeStatus.FUNDED
    assert challenge_status(_facts(funded=True, reported=True)) is ChallengeStatus.REPORTED


@given(
    st.integers(0, 3),
    st.booleans(),
    st.booleans(),
    st.sampled_from([None, "open", "consented", "to_amend", "no_quorum"]),
)
def test_a_withdrawn_challenge_is_withdrawn_whatever_else(
    version: int, reported: bool, funded: bool, outcome: str | None
) -> None:
    facts = _facts(
        current_version=version,
        withdrawn=True,
        reported=reported,
        funded=funded,
        latest_round_version=version if outcome else None,
        latest_round_outcome=outcome,
    )
    assert challenge_status(facts) is ChallengeStatus.WITHDRAWN


_FTS5 = sqlite3.connect(":memory:")
_FTS5.execute(
    "CREATE VIRTUAL TABLE t USING fts5(a, tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
)
_FTS5.execute("INSERT INTO t VALUES ('Une coopérative de réparation de vélos')")


@given(st.text(max_size=200))
def test_sqlite_reads_any_match_expression_without_error(text: str) -> None:
    words = words_of(text)
    if words:
        _FTS5.execute("SELECT rowid FROM t WHERE t MATCH ?", (fts5_match(words),)).fetchall()


def test_the_folded_words_find_what_fts5_folded() -> None:
    found = _FTS5.execute(
        "SELECT rowid FROM t WHERE t MATCH ?", (fts5_match(words_of("VÉLO coop")),)
    )
    assert found.fetchall() == [(1,)]
