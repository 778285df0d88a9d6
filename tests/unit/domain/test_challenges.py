"""A challenge's versions: euros read as cents, budget lines, what changed, when to amend."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain import challenges as rules_module
from cobudget.domain.challenges import (
    MAX_AMOUNT_CENTS,
    BudgetLine,
    BudgetLineRow,
    ChallengeVersion,
    InvalidAmount,
    Licence,
    can_publish_new_version,
    check_budget_lines,
    check_requested_cents,
    diff_versions,
    is_consented,
    objections_needing_answer,
    parse_euros,
    total_max_cents,
    total_min_cents,
    validate_budget_lines,
)
from cobudget.domain.consent import Position, PositionKind, Round
from cobudget.domain.validation import Checker
from tests.unit.domain.consent_strategies import at

# --- euros ----------------------------------------------------------------------------------------

READABLE = [
    ("1 234,56", 123456),
    ("1234.56", 123456),
    ("1234,5", 123450),
    ("12", 1200),
    ("0", 0),
    ("0,05", 5),
    ("  7  ", 700),
    ("1 234 567,89", 123456789),
    ("1\u00a0234,56", 123456),  # no-break space
    ("1\u202f234,56 €", 123456),  # as Babel formats French amounts
    ("12 €", 1200),
    ("12€", 1200),
    ("12 EUR", 1200),
    ("1 000 000", 100000000),
]


@pytest.mark.parametrize(("text", "cents"), READABLE, ids=[t for t, _ in READABLE])
def test_euros_as_people_type_them_are_read_as_exact_cents(text: str, cents: int) -> None:
    assert parse_euros(text) == cents


REFUSED = [
    ("", "required"),
    ("   ", "required"),
    ("€", "required"),
    ("-5", "negative"),
    ("- 5,00", "negative"),
    ("\u22125", "negative"),  # the minus sign Babel writes
    ("12,345", "too_many_decimals"),
    ("0,001", "too_many_decimals"),
    ("1,000", "too_many_decimals"),  # a thousand in English, one euro in French: refused
    ("12,500", "too_many_decimals"),
    ("abc", "not_an_amount"),
    ("12,", "not_an_amount"),
    (",5", "not_an_amount"),
    ("1.234,56", "not_an_amount"),
    ("1 23", "not_an_amount"),
    ("12  345", "not_an_amount"),
    ("+5", "not_an_amount"),
    ("1e3", "not_an_amount"),
    ("inf", "not_an_amount"),
    ("nan", "not_an_amount"),
    ("0x10", "not_an_amount"),
    ("١٢", "not_an_amount"),  # Arabic-Indic digits are not read as euros
    ("-abc", "not_an_amount"),
    ("12 $", "not_an_amount"),
    ("100 000 001", "too_large"),
    ("9" * 400, "too_large"),
]


@pytest.mark.parametrize(("text", "code"), REFUSED, ids=[repr(t) for t, _ in REFUSED])
def test_amounts_that_are_not_whole_cents_of_euros_are_refused_with_a_code(
    text: str, code: str
) -> None:
    with pytest.raises(InvalidAmount) as refused:
        parse_euros(text)
    assert refused.value.code == code


def test_the_largest_amount_is_accepted() -> None:
    assert parse_euros("100 000 000") == MAX_AMOUNT_CENTS


def _french(cents: int, *, group: str, mark: str) -> str:
    euros, rest = divmod(cents, 100)
    return f"{euros:,}".replace(",", group) + f"{mark}{rest:02d}"


amounts = st.integers(0, MAX_AMOUNT_CENTS)


@given(amounts, st.sampled_from([" ", "\u00a0", "\u202f", ""]), st.sampled_from([",", "."]))
def test_any_amount_written_the_french_way_reads_back_to_its_cents(
    cents: int, group: str, mark: str
) -> None:
    assert parse_euros(_french(cents, group=group, mark=mark)) == cents


@given(amounts, st.text("0123456789", min_size=1, max_size=4))
def test_more_than_two_decimals_are_always_refused(cents: int, extra: str) -> None:
    with pytest.raises(InvalidAmount) as refused:
        parse_euros(_french(cents, group=" ", mark=",") + extra)
    assert refused.value.code == "too_many_decimals"


@given(amounts)
def test_a_minus_sign_before_any_amount_is_refused_as_negative(cents: int) -> None:
    with pytest.raises(InvalidAmount) as refused:
        parse_euros("-" + _french(cents, group=" ", mark=","))
    assert refused.value.code == "negative"


@given(st.text(max_size=20))
def test_any_text_is_either_read_as_cents_or_refused_with_a_code(text: str) -> None:
    try:
        cents = parse_euros(text)
    except InvalidAmount as refused:
        assert refused.code in {
            "required",
            "negative",
            "too_many_decimals",
            "too_large",
            "not_an_amount",
        }
    else:
        assert 0 <= cents <= MAX_AMOUNT_CENTS


# --- budget lines ---------------------------------------------------------------------------------


def _read(*rows: tuple[str, str, str]) -> tuple[tuple[BudgetLine, ...], dict[str, str]]:
    checker = Checker()
    lines = check_budget_lines(checker, [BudgetLineRow(*row) for row in rows])
    return lines, checker.errors


def test_budget_lines_are_read_in_cents_and_spare_blank_rows_are_skipped() -> None:
    lines, errors = _read(
        ("Développement", "8 000", "12 000,50"), ("", "", ""), ("Documentation", "0", "2 000")
    )
    assert errors == {}
    assert lines == (
        BudgetLine("Développement", 800000, 1200050),
        BudgetLine("Documentation", 0, 200000),
    )
    assert (total_min_cents(lines), total_max_cents(lines)) == (800000, 1400050)


BAD_LINES = [
    ("no line at all", [("", "", "")], {"lines": "at_least_one_line"}),
    ("min above max", [("Dév", "5 000", "4 000")], {"lines.0.max": "min_above_max"}),
    ("a negative minimum", [("Dév", "-1", "4 000")], {"lines.0.min": "negative"}),
    ("three decimals", [("Dév", "1", "4,005")], {"lines.0.max": "too_many_decimals"}),
    ("a zero maximum", [("Dév", "0", "0")], {"lines.0.max": "zero_amount"}),
    ("a missing label", [("", "1", "2")], {"lines.0.label": "required"}),
    ("a missing amount", [("Dév", "", "2")], {"lines.0.min": "required"}),
    (
        "the same label twice, named by the row as typed",
        [("Dév", "1", "2"), ("", "", ""), ("  dév ", "1", "2")],
        {"lines.2.label": "duplicate_label"},
    ),
    ("a label too long", [("x" * 201, "1", "2")], {"lines.0.label": "too_long:200"}),
]


@pytest.mark.parametrize(
    ("rows", "errors"), [b[1:] for b in BAD_LINES], ids=[b[0] for b in BAD_LINES]
)
def test_bad_budget_lines_get_a_code_next_to_their_field(
    rows: list[tuple[str, str, str]], errors: dict[str, str]
) -> None:
    assert _read(*rows)[1] == errors


def test_an_unreadable_maximum_keeps_its_own_message_rather_than_a_consequence() -> None:
    assert _read(("Dév", "5", "cinq"))[1] == {"lines.0.max": "not_an_amount"}


def test_too_many_lines_are_refused() -> None:
    lines = [BudgetLine(f"Poste {n}", 0, 100) for n in range(51)]
    assert validate_budget_lines(lines) == {"lines": "too_many_lines:50"}


def test_lines_given_in_cents_are_checked_the_same_way() -> None:
    assert validate_budget_lines([BudgetLine("Dév", 100, 50), BudgetLine("Doc", 0, -1)]) == {
        "lines.0.max": "min_above_max",
        "lines.1.max": "negative",
    }


REQUESTED = [
    ("", None, {}),
    ("5 000", 500000, {}),
    ("14 000,50", 1400050, {}),
    ("14 000,51", 1400051, {"requested": "above_total_max"}),
    ("0", 0, {"requested": "zero_amount"}),
    ("-3", None, {"requested": "negative"}),
]


@pytest.mark.parametrize(
    ("text", "cents", "errors"), REQUESTED, ids=[r[0] or "blank" for r in REQUESTED]
)
def test_the_amount_requested_from_the_envelope_is_optional_and_within_the_maxima(
    text: str, cents: int | None, errors: dict[str, str]
) -> None:
    lines = (BudgetLine("Dév", 800000, 1200050), BudgetLine("Doc", 0, 200000))
    checker = Checker()
    assert check_requested_cents(checker, "requested", text, lines) == cents
    assert checker.errors == errors


# --- versions and what changed --------------------------------------------------------------------

DEV, DOC, PASS = (
    BudgetLine("Développement", 800000, 1200000, id=1),
    BudgetLine("Documentation", 0, 200000, id=2),
    BudgetLine("Pass inter-lieux", 100000, 300000),
)
V1 = ChallengeVersion(
    number=1,
    title="Un outil de réservation partagé",
    problem="Chaque lieu gère ses salles à la main.",
    commons="Un logiciel libre de réservation entre lieux.",
    users="Les lieux du réseau et leurs usagers.",
    licence=Licence.ETALAB_2_0,
    budget_lines=(DEV, DOC),
)


def test_a_version_compared_with_itself_changed_nothing() -> None:
    assert diff_versions(V1, replace(V1, number=2)).is_empty


def test_changed_fields_are_named_in_a_stable_order() -> None:
    v2 = replace(
        V1, number=2, licence=Licence.AGPL, title="Réservation partagée", requested_cents=1
    )
    assert diff_versions(V1, v2).fields == ("title", "licence", "requested_cents")


def test_budget_lines_added_removed_and_changed_are_told_apart() -> None:
    v2 = replace(V1, number=2, budget_lines=(replace(DEV, max_cents=1000000), PASS))
    diff = diff_versions(V1, v2)
    assert diff.fields == ()
    assert diff.added == (PASS,)
    assert diff.removed == (DOC,)
    assert [(c.old, c.new, c.fields) for c in diff.changed] == [
        (DEV, replace(DEV, max_cents=1000000), ("max_cents",))
    ]


def test_a_renamed_line_keeps_its_id_and_shows_as_changed() -> None:
    v2 = replace(V1, number=2, budget_lines=(replace(DEV, label="Développement web"), DOC))
    diff = diff_versions(V1, v2)
    assert (diff.added, diff.removed) == ((), ())
    assert [c.fields for c in diff.changed] == [("label",)]


def test_lines_without_id_are_paired_by_label_ignoring_case_and_spacing() -> None:
    old = replace(V1, budget_lines=(PASS,))
    new = replace(
        V1, number=2, budget_lines=(replace(PASS, label="pass  inter-lieux", min_cents=0),)
    )
    diff = diff_versions(old, new)
    assert (diff.added, diff.removed) == ((), ())
    assert [c.fields for c in diff.changed] == [("label", "min_cents")]


def test_lines_of_different_ids_are_different_lines_whatever_their_labels() -> None:
    new_dev = replace(DEV, id=7)
    diff = diff_versions(V1, replace(V1, number=2, budget_lines=(new_dev, DOC)))
    assert (diff.added, diff.removed, diff.changed) == ((new_dev,), (DEV,), ())


def test_reordering_lines_is_no_change() -> None:
    assert diff_versions(V1, replace(V1, number=2, budget_lines=(DOC, DEV))).is_empty


labels = st.sampled_from(["Dév", "Doc", "dév", "Pass", "Matériel", "Accueil"])
lines = st.lists(
    st.builds(
        BudgetLine,
        label=labels,
        min_cents=st.integers(0, 5),
        max_cents=st.integers(5, 9),
        id=st.one_of(st.none(), st.integers(1, 4)),
    ),
    max_size=5,
    unique_by=lambda line: line.id if line.id is not None else line.label,
)


@given(lines, lines)
def test_every_line_is_either_paired_with_one_line_or_added_or_removed(
    old: list[BudgetLine], new: list[BudgetLine]
) -> None:
    diff = diff_versions(replace(V1, budget_lines=tuple(old)), replace(V1, budget_lines=tuple(new)))
    paired = len(new) - len(diff.added)
    assert paired == len(old) - len(diff.removed)
    assert len(diff.changed) <= paired
    assert all(line in new for line in diff.added) and all(line in old for line in diff.removed)


@given(lines)
def test_a_version_with_the_same_lines_in_any_order_changed_nothing(old: list[BudgetLine]) -> None:
    diff = diff_versions(
        replace(V1, budget_lines=tuple(old)), replace(V1, budget_lines=tuple(reversed(old)))
    )
    assert diff.is_empty


# --- when a new version may be published ----------------------------------------------------------

PROPOSER, B, C, D = 1, 2, 3, 4
ROUND = Round(
    id=1,
    version=1,
    opened_at=at(0),
    deadline=at(60),
    quorum=2,
    proposer_lieu_ids=frozenset({PROPOSER}),
    member_lieu_ids=frozenset({PROPOSER, B, C, D}),
)


def pos(
    seq: int, lieu: int, kind: PositionKind, minute: int, *, withdrawn: bool = False
) -> Position:
    return Position(seq, lieu, kind, at(minute), text="raison", withdrawn=withdrawn)


OBJECTED = [pos(1, B, PositionKind.OBJECTION, 5), pos(2, C, PositionKind.OBJECTION, 6)]
CONSENTED = [pos(1, B, PositionKind.CONSENT, 5), pos(2, C, PositionKind.CONCERN, 6)]

PUBLISHING = [
    ("before any round", {PROPOSER}, None, [], set(), at(10), ""),
    ("by a lieu that does not propose", {B}, None, [], set(), at(10), "proposers_only"),
    ("by a member of several lieux, one proposing", {B, PROPOSER}, None, [], set(), at(10), ""),
    (
        "while a round on the current version is open",
        {PROPOSER},
        ROUND,
        [],
        set(),
        at(10),
        "round_open",
    ),
    ("before a scheduled round opens", {PROPOSER}, ROUND, [], set(), at(-10), "round_open"),
    ("after no quorum", {PROPOSER}, ROUND, CONSENTED[:1], set(), at(60), ""),
    ("after consent", {PROPOSER}, ROUND, CONSENTED, set(), at(60), ""),
    (
        "after to amend, objections unanswered",
        {PROPOSER},
        ROUND,
        OBJECTED,
        set(),
        at(60),
        "objections_unanswered",
    ),
    (
        "after to amend, one objection of two answered",
        {PROPOSER},
        ROUND,
        OBJECTED,
        {B},
        at(60),
        "objections_unanswered",
    ),
    ("after to amend, every objection answered", {PROPOSER}, ROUND, OBJECTED, {B, C}, at(60), ""),
    (
        "when the latest round was on an older version",
        {PROPOSER},
        replace(ROUND, version=0),
        [],
        set(),
        at(10),
        "",
    ),
]


@pytest.mark.parametrize(
    ("actor", "latest", "history", "answered", "now", "reason"),
    [p[1:] for p in PUBLISHING],
    ids=[p[0] for p in PUBLISHING],
)
def test_when_the_proposers_may_publish_a_new_version(
    actor: set[int],
    latest: Round | None,
    history: list[Position],
    answered: set[int],
    now: datetime,
    reason: str,
) -> None:
    decision = can_publish_new_version(
        actor_lieu_ids=actor,
        proposer_lieu_ids={PROPOSER},
        current_version=1,
        latest=latest,
        latest_positions=history,
        answered_lieu_ids=answered,
        now=now,
    )
    assert decision.reason == reason
    assert decision.allowed == (not reason)


def test_only_objections_standing_at_the_close_need_an_answer() -> None:
    history = [
        *OBJECTED,
        pos(3, C, PositionKind.OBJECTION, 7, withdrawn=True),  # C withdrew its objection
        pos(4, D, PositionKind.OBJECTION, 60),  # D objected too late
    ]
    assert objections_needing_answer(ROUND, history, set(), at(60)) == (OBJECTED[0],)
    assert objections_needing_answer(ROUND, history, {B}, at(60)) == ()
    assert objections_needing_answer(ROUND, history, set(), at(30)) == ()  # still open


def test_consent_belongs_to_the_version_it_was_given_to() -> None:
    assert is_consented(1, ROUND, CONSENTED, at(60))
    assert not is_consented(1, ROUND, CONSENTED, at(59))
    assert not is_consented(2, ROUND, CONSENTED, at(60))
    assert not is_consented(1, ROUND, OBJECTED, at(60))
    assert not is_consented(1, None, [], at(60))


@given(st.integers(min_value=0, max_value=rules_module.MAX_AMOUNT_CENTS))
def test_formatted_euros_read_back_to_the_same_cents(cents: int) -> None:
    assert rules_module.parse_euros(rules_module.format_euros(cents)) == cents
