"""pabulib `.pb` text <-> engine inputs (`engine.pabulib`)."""

from __future__ import annotations

import pytest

from cobudget.engine.canonical import encode_input
from cobudget.engine.pabulib import (
    PabulibError,
    format_cents,
    format_pb,
    parse_cents,
    parse_pb,
    parse_pb_full,
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
