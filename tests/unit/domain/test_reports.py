"""The report rules (SPEC §7): a report is never empty; spending on a line stays within its
maximum over every report held; spending paid from what the challenge received stays within
it; one report per period, the next period only after the last report is validated."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cobudget.domain.errors import InvalidInput
from cobudget.domain.reports import (
    DeliverableForm,
    Held,
    Period,
    ReportForm,
    Status,
    can_write,
    check,
    check_amounts,
    current_period,
)

LINES = frozenset({1, 2})
MAXIMUM = {1: 200_000, 2: 50_000}
NOTHING = Held(by_line={}, envelope_cents=0)


def _refusal(form: ReportForm) -> dict[str, str]:
    with pytest.raises(InvalidInput) as error:
        check(form, LINES)
    return error.value.fields


def test_an_empty_report_is_refused_as_a_whole() -> None:
    assert _refusal(ReportForm()) == {"report": "report_empty"}
    # Blank and zero amounts, an empty deliverable row and spaces say nothing either.
    blank = ReportForm(
        progress="   ",
        spending={1: "", 2: "0"},
        own_funds={1: "0,00"},
        receipts={1: "Facture 12"},
        deliverables=(DeliverableForm(title=" ", url=""),),
    )
    assert _refusal(blank) == {"report": "report_empty"}


@pytest.mark.parametrize(
    "form",
    [
        ReportForm(progress="La carte est en ligne."),
        ReportForm(spending={1: "10"}),
        ReportForm(own_funds={2: "10"}),
        ReportForm(deliverables=(DeliverableForm("Un guide", "https://exemple.fr/g"),)),
    ],
)
def test_one_thing_said_is_enough(form: ReportForm) -> None:
    check(form, LINES)


def test_spending_is_read_per_source_and_a_receipt_follows_its_line() -> None:
    checked = check(
        ReportForm(
            spending={1: "1 000,50", 2: ""},
            own_funds={1: "200", 2: "15"},
            receipts={1: "Facture 7", 2: "Ticket 3"},
        ),
        LINES,
    )
    assert checked.spending == {1: 100_050}
    assert checked.own_funds == {1: 20_000, 2: 1_500}
    assert checked.by_line() == {1: 120_050, 2: 1_500}
    assert checked.receipts == {1: "Facture 7", 2: "Ticket 3"}


def test_own_funds_are_checked_like_any_amount() -> None:
    assert _refusal(ReportForm(own_funds={1: "-5"})) == {"own_funds.1": "negative"}
    assert _refusal(ReportForm(own_funds={9: "5"})) == {"own_funds.9": "unknown_budget_line"}


def test_a_line_above_its_maximum_is_refused_with_the_room_left() -> None:
    report = check(ReportForm(spending={1: "1 500"}, own_funds={1: "600"}), LINES)
    with pytest.raises(InvalidInput) as error:
        check_amounts(report, maximum=MAXIMUM, received_cents=1_000_000, held=NOTHING)
    assert error.value.fields == {"spending.1": "above_line_maximum:200000"}
    held = Held(by_line={1: 150_000}, envelope_cents=150_000)
    with pytest.raises(InvalidInput) as error:
        check_amounts(
            check(ReportForm(spending={1: "600"}), LINES),
            maximum=MAXIMUM,
            received_cents=1_000_000,
            held=held,
        )
    assert error.value.fields == {"spending.1": "above_line_maximum:50000"}
    check_amounts(
        check(ReportForm(spending={1: "500"}), LINES),
        maximum=MAXIMUM,
        received_cents=1_000_000,
        held=held,
    )


def test_spending_paid_from_what_was_received_stays_within_it_own_funds_apart() -> None:
    report = check(ReportForm(spending={1: "1 000", 2: "300"}), LINES)
    held = Held(by_line={}, envelope_cents=20_000)
    with pytest.raises(InvalidInput) as error:
        check_amounts(report, maximum=MAXIMUM, received_cents=140_000, held=held)
    assert error.value.fields == {"spending": "above_received:120000"}
    # The same money declared as paid from the lieu's own funds is accepted.
    apart = check(ReportForm(spending={1: "1 000"}, own_funds={2: "300"}), LINES)
    check_amounts(apart, maximum=MAXIMUM, received_cents=140_000, held=held)


def test_periods_follow_one_another_once_validated() -> None:
    assert current_period([]) == Period(1)
    assert current_period([(7, 1, "draft")]) == Period(1, 7, "draft")
    assert current_period([(7, 1, "published")]) == Period(1, 7, "published")
    assert current_period([(7, 1, "validated")]) == Period(2)
    assert current_period([(7, 1, "validated"), (9, 2, "changes_requested")]) == Period(
        2, 9, "changes_requested"
    )
    assert can_write(Period(2)).allowed
    assert can_write(Period(1, 7, Status.DRAFT)).allowed
    assert can_write(Period(1, 7, Status.CHANGES_REQUESTED)).allowed
    assert can_write(Period(1, 7, Status.PUBLISHED)).reason == "report_awaiting_review"


spending = st.dictionaries(st.sampled_from([1, 2]), st.integers(0, 120_000), max_size=2)


@given(
    received=st.integers(1, 300_000),
    reports=st.lists(st.tuples(spending, spending), max_size=12),
)
def test_whatever_is_accepted_stays_within_maximums_and_what_was_received(
    received: int, reports: list[tuple[dict[int, int], dict[int, int]]]
) -> None:
    held = NOTHING
    for envelope, own in reports:
        report = check(
            ReportForm(
                progress="x",
                spending={line: f"{cents / 100:.2f}" for line, cents in envelope.items()},
                own_funds={line: f"{cents / 100:.2f}" for line, cents in own.items()},
            ),
            LINES,
        )
        try:
            check_amounts(report, maximum=MAXIMUM, received_cents=received, held=held)
        except InvalidInput:
            continue
        by_line = dict(held.by_line)
        for line, cents in report.by_line().items():
            by_line[line] = by_line.get(line, 0) + cents
        held = Held(by_line, held.envelope_cents + sum(report.spending.values()))
    assert held.envelope_cents <= received
    assert all(cents <= MAXIMUM[line] for line, cents in held.by_line.items())
