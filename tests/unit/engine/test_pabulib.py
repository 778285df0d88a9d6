"""pabulib `.pb` text <-> engine inputs (`engine.pabulib`)."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cobudget.engine.canonical import encode_input
from cobudget.engine.pabulib import (
    PabulibError,
    format_cents,
    format_pb,
    pabulib_refusal,
    parse_cents,
    parse_pb,
    parse_pb_full,
)
from cobudget.engine.types import (
    BudgetLine,
    Challenge,
    EnvelopeInput,
    Lieu,
    RuleParams,
    Support,
)

HEAD = "META\nkey;value\ndescription;test\nnum_projects;3\nnum_votes;3\nbudget;{budget}\n"


def pb(
    vote_type: str, votes: str, budget: str = "100", costs: tuple[str, ...] = ("10", "20", "30")
) -> str:
    projects = "".join(
        f"{name};{cost}\n" for name, cost in zip(("9", "10", "P1"), costs, strict=True)
    )
    header = "voter_id;vote;points" if vote_type == "cumulative" else "voter_id;vote"
    return (
        HEAD.format(budget=budget)
        + f"vote_type;{vote_type}\nPROJECTS\nproject_id;cost;name\n"
        + projects.replace("\n", ";x\n")
        + f"VOTES\n{header}\n"
        + votes
    )


def supports(text: str) -> list[tuple[int, int, int]]:
    return [(s.lieu_id, s.challenge_id, s.points) for s in parse_pb(text).supports]


def test_project_ids_follow_pabutools_string_order_of_names() -> None:
    # "10" < "9" < "P1" as strings: that is pabutools' lexicographic tie-breaking order.
    imported = parse_pb_full(pb("approval", "a;9\n"))
    assert imported.projects == {"10": 1, "9": 2, "P1": 3}
    assert [(c.id, c.label, c.requested_cents) for c in imported.inputs.challenges] == [
        (1, "10", 2000),
        (2, "9", 1000),
        (3, "P1", 3000),
    ]


def test_approval_ballots_become_approvals_of_lieux_in_file_order() -> None:
    text = pb("approval", "v7;9,P1\nv2;10\nv3;\n")
    imported = parse_pb_full(text)
    assert imported.voters == {"v7": 1, "v2": 2, "v3": 3}
    assert [lieu.id for lieu in imported.inputs.lieux] == [1, 2, 3]
    assert supports(text) == [(1, 2, 1), (1, 3, 1), (2, 1, 1)]
    assert imported.inputs.params.support == "approval"
    assert imported.inputs.amount_cents == 10000


def test_choose_one_ballots_are_approvals_of_one_project() -> None:
    assert supports(pb("choose-1", "a;10\nb;P1\n")) == [(1, 1, 1), (2, 3, 1)]
    with pytest.raises(PabulibError, match="choose-1"):
        parse_pb(pb("choose-1", "a;10,9\n"))


def test_cumulative_ballots_keep_their_points_even_zero() -> None:
    text = pb("cumulative", "a;9,10;3,0\nb;P1;2\n")
    assert supports(text) == [(1, 2, 3), (1, 1, 0), (2, 3, 2)]
    assert parse_pb(text).params.support == "points"


def test_ordinal_ballots_are_read_as_approvals_of_the_ranked_projects() -> None:
    assert supports(pb("ordinal", "a;P1,9\n")) == [(1, 3, 1), (1, 2, 1)]


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("40000", 4000000),
        ("40000.0", 4000000),
        ("2532645.83", 253264583),
        ("12,5", 1250),
        ("35119392/25", 140477568),
        ("0", 0),
    ],
)
def test_amounts_are_read_exactly_in_cents(text: str, cents: int) -> None:
    assert parse_cents(text) == cents


@pytest.mark.parametrize("text", ["1.234", "1/3", "-5", "1e3", "abc", "", "3/0"])
def test_amounts_not_exactly_in_cents_are_refused(text: str) -> None:
    with pytest.raises(PabulibError):
        parse_cents(text)


def test_a_cost_not_in_whole_cents_is_refused_with_its_line() -> None:
    with pytest.raises(PabulibError, match=r"line \d+: cost of project '10' '20.001'"):
        parse_pb(pb("approval", "a;9\n", costs=("10", "20.001", "30")))


@pytest.mark.parametrize(
    ("votes", "message"),
    [
        ("a;42\n", "unknown project"),
        ("a;9,9\n", "twice"),
        ("a;9\na;10\n", "voter 'a' appears twice"),
    ],
)
def test_bad_ballots_are_refused(votes: str, message: str) -> None:
    with pytest.raises(PabulibError, match=message):
        parse_pb(pb("approval", votes))


def test_unknown_vote_types_and_missing_sections_are_refused() -> None:
    with pytest.raises(PabulibError, match="vote_type"):
        parse_pb(pb("scoring", "a;9\n"))
    with pytest.raises(PabulibError, match="VOTES"):
        parse_pb(pb("approval", "a;9\n").split("VOTES")[0])


def test_fractional_points_are_refused() -> None:
    with pytest.raises(PabulibError, match="points"):
        parse_pb(pb("cumulative", "a;9;1.5\n"))


@pytest.mark.parametrize("vote_type", ["approval", "cumulative"])
def test_export_then_import_gives_the_same_inputs(vote_type: str) -> None:
    votes = "a;9,10;3,1\nb;P1;2\nc;;\n" if vote_type == "cumulative" else "a;9,10\nb;P1\nc;\n"
    inputs = parse_pb(pb(vote_type, votes, budget="2532645.83", costs=("10.5", "35119392/25", "0")))
    assert encode_input(parse_pb(format_pb(inputs))) == encode_input(inputs)


def test_cents_are_written_in_the_shortest_exact_form() -> None:
    assert [format_cents(c) for c in (4000000, 253264583, 1250, 5)] == [
        "40000",
        "2532645.83",
        "12.5",
        "0.05",
    ]


def test_export_refuses_unequal_weights() -> None:
    import msgspec

    inputs = parse_pb(pb("approval", "a;9\nb;10\n"))
    lieux = [msgspec.structs.replace(inputs.lieux[0], weight=2), *inputs.lieux[1:]]
    with pytest.raises(PabulibError, match="weights"):
        format_pb(msgspec.structs.replace(inputs, lieux=lieux))


def test_quoted_cells_spaces_and_crlf_read_as_plain_ones() -> None:
    # Lines without quotes are split directly, quoted ones by the csv reader: both must agree,
    # whatever the spaces around cells and the line endings.
    plain = pb("approval", "a;9,P1\nb;10\n")
    fancy = pb("approval", '"a";"9,P1"\n b ;"10"\n').replace("\n", "\r\n")
    fancy = fancy.replace("description;test", 'description;"test; with a semicolon"')
    assert supports(fancy) == supports(plain) == [(1, 2, 1), (1, 3, 1), (2, 1, 1)]
    assert parse_pb_full(fancy).voters == {"a": 1, "b": 2}
    assert parse_pb_full(fancy).meta["description"] == "test; with a semicolon"


def _election(
    costs: list[int], ballots: list[dict[int, int]], cumulative: bool, weight_zero: int
) -> EnvelopeInput:
    """An equal-shares envelope: challenges 1..n at these costs (whole euros), lieux 1..m with
    these ballots, and `weight_zero` more lieux without drawing rights (proposers from
    outside the envelope), which give nothing."""
    challenges = [
        Challenge(
            id=cid,
            proposers=[1],
            consented=True,
            budget_lines=[BudgetLine(id=cid, min_cents=cost, max_cents=cost)],
            requested_cents=cost,
        )
        for cid, cost in enumerate(costs, start=1)
    ]
    lieux = [Lieu(id=i) for i in range(1, len(ballots) + 1)]
    lieux += [Lieu(id=len(ballots) + k, weight=0) for k in range(1, weight_zero + 1)]
    return EnvelopeInput(
        amount_cents=sum(costs) // 2 + 100,
        rule="equal_shares",
        params=RuleParams(support="points" if cumulative else "approval"),
        lieux=lieux,
        challenges=challenges,
        supports=[
            Support(lieu_id=lieu, challenge_id=cid, points=points if cumulative else 1)
            for lieu, ballot in enumerate(ballots, start=1)
            for cid, points in sorted(ballot.items())
        ],
    )


@st.composite
def _elections(draw: st.DrawFn) -> EnvelopeInput:
    costs = draw(st.lists(st.integers(1, 500).map(lambda e: e * 100), min_size=1, max_size=6))
    ballot = st.dictionaries(st.integers(1, len(costs)), st.integers(1, 9), max_size=len(costs))
    ballots = draw(st.lists(ballot, min_size=1, max_size=8))
    return _election(costs, ballots, draw(st.booleans()), draw(st.integers(0, 2)))


@settings(max_examples=60, deadline=None)
@given(_elections())
def test_every_exported_file_reads_back_in_pabutools_and_here(inputs: EnvelopeInput) -> None:
    """Lieux that gave nothing included (pabutools refused their empty points cell)."""
    from pabutools.election.pabulib import parse_pabulib_from_string

    text = format_pb(inputs)
    instance, profile = parse_pabulib_from_string(text)
    voters = [lieu for lieu in inputs.lieux if lieu.weight > 0]
    assert len(profile) == len(voters)
    assert {p.name: int(p.cost * 100) for p in instance} == {
        str(c.id): c.requested_cents for c in inputs.challenges
    }
    given: dict[int, dict[str, int]] = {}
    for s in inputs.supports:
        given.setdefault(s.lieu_id, {})[str(s.challenge_id)] = s.points
    for lieu, ballot in zip(voters, profile, strict=True):
        points = dict(ballot) if isinstance(ballot, dict) else dict.fromkeys(ballot, 1)
        assert {p.name: int(n) for p, n in points.items()} == given.get(lieu.id, {})
    again = parse_pb(text)
    assert len(again.lieux) == len(voters)
    assert sorted((s.lieu_id, s.points) for s in again.supports) == sorted(
        (voters.index(next(v for v in voters if v.id == s.lieu_id)) + 1, s.points)
        for s in inputs.supports
    )


def test_a_lieu_without_drawing_rights_that_gave_support_has_no_pabulib_form() -> None:
    inputs = _election([1_000, 2_000], [{1: 1}], cumulative=False, weight_zero=1)
    inputs = msgspec.structs.replace(
        inputs, supports=[*inputs.supports, Support(lieu_id=2, challenge_id=2, points=1)]
    )
    with pytest.raises(PabulibError, match="without drawing rights"):
        format_pb(inputs)


@pytest.mark.parametrize(
    ("weights", "unit_cents", "possible"),
    [
        ([1, 1, 0], 100, True),
        ([2, 2], 100, True),
        ([1, 2], 100, False),
        ([0, 0], 100, False),
        ([1, 1], 1, False),
    ],
)
def test_pabulib_refusal_says_when_an_envelope_has_a_pabulib_form(
    weights: list[int], unit_cents: int, possible: bool
) -> None:
    assert (pabulib_refusal(weights, unit_cents) is None) is possible
