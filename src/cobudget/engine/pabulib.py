"""Pure conversion between pabulib `.pb` text and engine inputs (SPEC §6.2, §7).

A `.pb` file is three `;`-separated sections: META (key;value), PROJECTS (project_id;cost;...)
and VOTES (voter_id;vote;[points];...). `parse_pb` reads it into an `EnvelopeInput` for the
`equal_shares` rule, exactly:

* money: one currency unit is 100 cents (`unit_cents = 100`). Budgets and costs may be written
  `40000`, `40000.0`, `2532645.83`, `35119392/25` or with a decimal comma; each must be a whole
  number of cents, or the file is refused (`PabulibError`) -- never rounded.
* ids: the engine breaks ties by id, pabutools by project name compared as a *string* (its
  default lexicographic tie-breaking: "10" < "9", "P10" < "P9"). Challenge ids are therefore
  1, 2, ... in the string order of the project names (`sorted(names)`), so our tie order is the
  reference's; the name is kept as the challenge's label. Lieu ids are 1, 2, ... in the order
  of the VOTES rows, the order in which pabutools indexes voters.
* ballots: `approval` and `choose-1` give approvals (points = 1); `cumulative` gives points
  (a project listed with 0 points is kept: under cost utilities it still counts as approved,
  as in pabutools); `ordinal` rankings are read as approvals of the ranked projects, which is
  what the reference's cost satisfaction sees (the ranking itself is not kept).
* every project becomes a consented challenge asking exactly its cost, with one budget line;
  the engine needs a proposer, so lieu 1 is named the nominal proposer of every challenge (it
  changes nothing under `equal_shares`, where every lieu is eligible).

`format_pb` writes the instance the rule actually solves: the challenges that can be bought
(consented, eligible proposers), at their cost, and each lieu's support. Its voters are the lieux
with drawing rights (a weight above 0), all of the same weight, since pabulib gives every voter
the same share (`pabulib_refusal` says when an envelope has no pabulib form). A voter who gave
nothing is written as pabutools reads an empty ballot: an empty vote, or `none;none` under
points (an empty cell there is refused by its parser); `none` is read back as empty here too.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from itertools import repeat

from cobudget.engine.types import (
    BudgetLine,
    Challenge,
    EnvelopeInput,
    Lieu,
    RuleParams,
    Support,
)

CENTS_PER_UNIT = 100
_DECIMAL = re.compile(r"^\s*(\d+)(?:[.,](\d*))?\s*$")
_RATIO = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_VOTE_TYPES = ("approval", "choose-1", "cumulative", "ordinal")


class PabulibError(ValueError):
    """A `.pb` text the import cannot represent exactly, with the line it failed on."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True, slots=True)
class PabulibImport:
    """An imported instance and how its ids map to the file's."""

    inputs: EnvelopeInput
    # pabulib project id -> challenge id, and voter id -> lieu id.
    projects: dict[str, int]
    voters: dict[str, int]
    meta: dict[str, str]
    vote_type: str


def parse_cents(text: str, what: str = "amount", line: int | None = None) -> int:
    """An amount written in currency units, as an exact whole number of cents.

    Raises PabulibError if it is malformed, negative, or not a whole number of cents (e.g.
    `0.005`, `1/3`): a settlement of public money never rounds an input silently.
    """
    value = parse_number(text, what, line) * CENTS_PER_UNIT
    if value.denominator != 1:
        raise PabulibError(f"{what} {text.strip()!r} is not a whole number of cents", line)
    return int(value)


def parse_number(text: str, what: str = "number", line: int | None = None) -> Fraction:
    """A non-negative decimal (`12`, `12.5`, `12,5`) or fraction (`35119392/25`), exactly."""
    match = _DECIMAL.match(text)
    if match:
        whole, decimals = match.group(1), match.group(2) or ""
        return Fraction(int(whole + decimals), 10 ** len(decimals))
    match = _RATIO.match(text)
    if match:
        denominator = int(match.group(2))
        if denominator == 0:
            raise PabulibError(f"{what} {text.strip()!r} divides by zero", line)
        return Fraction(int(match.group(1)), denominator)
    raise PabulibError(f"{what} {text.strip()!r} is not a non-negative number", line)


def _parse_points(text: str, line: int) -> int:
    value = parse_number(text, "points", line)
    if value.denominator != 1:
        raise PabulibError(f"points {text.strip()!r} are not a whole number", line)
    return int(value)


def _sections(text: str) -> dict[str, list[tuple[int, list[str]]]]:
    """Rows of each section, its header row first, with their line numbers; cells as written
    (callers strip the ones they read)."""
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: list[tuple[int, list[str]]] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line.isspace():
            continue
        # A line without quotes splits as the csv reader would split it, only faster.
        row = line.split(";") if '"' not in line else next(csv.reader([line], delimiter=";"))
        if len(row) <= 1 and row[0].strip().lower() in ("meta", "projects", "votes"):
            name = row[0].strip().lower()
            if name in sections:
                raise PabulibError(f"section {name.upper()} appears twice", number)
            current = sections[name] = []
            continue
        if current is None:
            raise PabulibError("text before the META section", number)
        current.append((number, row))
    for name in ("meta", "projects", "votes"):
        if name not in sections:
            raise PabulibError(f"section {name.upper()} is missing")
    return sections


def _cell(cells: list[str], at: int | None) -> str:
    """The cell in column `at`, or "" if the column or the cell is missing."""
    return cells[at] if at is not None and at < len(cells) else ""


def _table(rows: list[tuple[int, list[str]]], section: str) -> list[tuple[int, dict[str, str]]]:
    """Rows as {column: value} from the section's header row."""
    if not rows:
        raise PabulibError(f"section {section.upper()} has no header row")
    _, header = rows[0]
    columns = [c.strip() for c in header]
    table: list[tuple[int, dict[str, str]]] = []
    for number, row in rows[1:]:
        if len(row) > len(columns):
            raise PabulibError(f"{len(row)} cells for {len(columns)} columns", number)
        table.append((number, dict(zip(columns, [cell.strip() for cell in row], strict=False))))
    return table


# Distinct ballots remembered at least; beyond, only while fewer than one voter in two casts a
# new one.
_REMEMBERED = 512


def _absent(cell: str) -> bool:
    """pabulib writes an absent value as `none` (pabutools skips such cells)."""
    return not cell.strip() or cell.strip().lower() == "none"


def _ballot(vote: str, projects: dict[str, int], vote_type: str, line: int) -> list[int]:
    """A vote cell's challenge ids, checked: one project for choose-1, none twice, none
    unknown."""
    names = [] if _absent(vote) else list(map(str.strip, vote.split(",")))
    if vote_type == "choose-1" and len(names) > 1:
        raise PabulibError("a choose-1 ballot names more than one project", line)
    if len(set(names)) != len(names):
        twice = next(name for i, name in enumerate(names) if name in names[:i])
        raise PabulibError(f"ballot names project {twice!r} twice", line)
    try:
        return list(map(projects.__getitem__, names))
    except KeyError as missing:
        raise PabulibError(f"ballot names unknown project {missing.args[0]!r}", line) from None


def parse_pb_full(text: str) -> PabulibImport:
    """Read a `.pb` text; see the module docstring for the exact conventions.

    Raises PabulibError naming the line of anything it cannot represent exactly (unknown vote
    type, unknown or repeated project in a ballot, a cost not in whole cents, points not whole).
    """
    sections = _sections(text)
    meta: dict[str, str] = {}
    for number, row in _table(sections["meta"], "meta"):
        key = row.get("key", "")
        if not key:
            raise PabulibError("META row without a key", number)
        meta[key] = row.get("value", "")
    vote_type = meta.get("vote_type", "").strip().lower()
    if vote_type not in _VOTE_TYPES:
        raise PabulibError(f"vote_type {vote_type!r} is not one of {', '.join(_VOTE_TYPES)}")
    if "budget" not in meta:
        raise PabulibError("META has no budget")
    budget_cents = parse_cents(meta["budget"], "budget")

    costs: dict[str, int] = {}
    for number, row in _table(sections["projects"], "projects"):
        name = row.get("project_id", "")
        if not name:
            raise PabulibError("project without a project_id", number)
        if name in costs:
            raise PabulibError(f"project {name!r} appears twice", number)
        if "cost" not in row:
            raise PabulibError(f"project {name!r} has no cost", number)
        costs[name] = parse_cents(row["cost"], f"cost of project {name!r}", number)
    projects = {name: i for i, name in enumerate(sorted(costs), start=1)}

    voters: dict[str, int] = {}
    supports: list[Support] = []
    read: dict[str, list[int]] = {}
    remember = True
    rows = sections["votes"]
    if not rows:
        raise PabulibError("section VOTES has no header row")
    # Column positions once: the largest files have 100,000 ballots and more.
    columns = {c.strip(): i for i, c in enumerate(rows[0][1])}
    width = len(columns)
    at_voter = columns.get("voter_id")
    at_vote = columns.get("vote")
    at_points = columns.get("points") if vote_type == "cumulative" else None
    cumulative = vote_type == "cumulative"
    for number, cells in rows[1:]:
        if len(cells) > width:
            raise PabulibError(f"{len(cells)} cells for {width} columns", number)
        voter = _cell(cells, at_voter).strip() or str(len(voters) + 1)
        if voter in voters:
            raise PabulibError(f"voter {voter!r} appears twice", number)
        lieu_id = voters[voter] = len(voters) + 1
        vote = _cell(cells, at_vote)
        # Where many voters cast the same ballot, each distinct one is read and checked once;
        # where most ballots differ (rankings), remembering them costs more than it saves.
        ids = read.get(vote) if remember else None
        if ids is None:
            ids = _ballot(vote, projects, vote_type, number)
            if remember:
                read[vote] = ids
                remember = len(read) < _REMEMBERED or 2 * len(read) < lieu_id
        if cumulative:
            raw_points = _cell(cells, at_points)
            points = [] if _absent(raw_points) else raw_points.split(",")
            if len(points) != len(ids):
                raise PabulibError(f"{len(ids)} projects but {len(points)} points", number)
            given = [_parse_points(p, number) for p in points]
            supports += map(Support, repeat(lieu_id), ids, given)
        else:
            supports += map(Support, repeat(lieu_id), ids, repeat(1))

    nominal = [1] if voters else []
    challenges = [
        Challenge(
            id=cid,
            proposers=nominal,
            consented=True,
            budget_lines=[BudgetLine(id=cid, min_cents=costs[name], max_cents=costs[name])],
            requested_cents=costs[name],
            label=name,
        )
        for name, cid in projects.items()
    ]
    inputs = EnvelopeInput(
        amount_cents=budget_cents,
        rule="equal_shares",
        params=RuleParams(
            support="points" if vote_type == "cumulative" else "approval",
            utility="cost",
            unit_cents=CENTS_PER_UNIT,
        ),
        lieux=[Lieu(id=lieu_id) for lieu_id in voters.values()],
        challenges=sorted(challenges, key=lambda c: c.id),
        supports=supports,
    )
    return PabulibImport(inputs, projects, voters, meta, vote_type)


def parse_pb(text: str) -> EnvelopeInput:
    """A `.pb` text as engine inputs for `equal_shares` (cost utilities; see `parse_pb_full`)."""
    return parse_pb_full(text).inputs


def format_cents(cents: int) -> str:
    """Cents as currency units, shortest exact form: 4000000 -> "40000", 253264583 ->
    "2532645.83"."""
    units, rest = divmod(cents, CENTS_PER_UNIT)
    if not rest:
        return str(units)
    return f"{units}.{rest:02d}".rstrip("0")


def pabulib_refusal(weights: Iterable[int], unit_cents: int = CENTS_PER_UNIT) -> str | None:
    """Why an `equal_shares` envelope whose lieux have these weights has no pabulib form, or
    None: pabulib gives every voter the same share of the budget, and its add-one completion
    raises budgets by one currency unit."""
    voting = {weight for weight in weights if weight > 0}
    if not voting:
        return "no lieu has drawing rights"
    if len(voting) > 1:
        return "pabulib has no voter weights: the lieux' weights differ"
    if unit_cents != CENTS_PER_UNIT:
        return "pabulib's add-one unit is one currency unit (unit_cents = 100)"
    return None


def format_pb(inputs: EnvelopeInput, description: str = "exported by cobudget") -> str:
    """The instance `equal_shares` solves for these inputs, as `.pb` text.

    Projects are the challenges that can be bought, named by their label when labels are
    unique and non-empty (so an imported file keeps its project ids), by id otherwise; voters
    are the lieux with drawing rights, by id. Raises PabulibError when the instance has no
    pabulib form (`pabulib_refusal`), or when a lieu without drawing rights gave support.
    """
    from cobudget.engine.rules.equal_shares import biddable_costs, utilities_by_lieu

    refusal = pabulib_refusal((lieu.weight for lieu in inputs.lieux), inputs.params.unit_cents)
    if refusal is not None:
        raise PabulibError(refusal)
    voters = sorted(lieu.id for lieu in inputs.lieux if lieu.weight > 0)
    costs = biddable_costs(inputs)
    labels = [c.label for c in inputs.challenges if c.id in costs]
    by_label = all(labels) and len(set(labels)) == len(labels)
    names = {c.id: (c.label if by_label else str(c.id)) for c in inputs.challenges if c.id in costs}
    cumulative = inputs.params.support != "approval"
    points = utilities_by_lieu(inputs, read_points=True)
    if any(lieu_id not in voters and given for lieu_id, given in points.items()):
        raise PabulibError("a lieu without drawing rights gave support")
    lines = [
        "META",
        "key;value",
        f"description;{description}",
        f"num_projects;{len(costs)}",
        f"num_votes;{len(voters)}",
        f"budget;{format_cents(inputs.amount_cents)}",
        f"vote_type;{'cumulative' if cumulative else 'approval'}",
        "rule;equalshares/add1",
        "PROJECTS",
        "project_id;cost",
    ]
    for cid in sorted(costs):
        lines.append(f"{names[cid]};{format_cents(costs[cid])}")
    lines.append("VOTES")
    lines.append("voter_id;vote;points" if cumulative else "voter_id;vote")
    for lieu_id in voters:
        given = sorted((cid, pts) for cid, pts in points.get(lieu_id, {}).items() if cid in costs)
        vote = ",".join(names[cid] for cid, _ in given)
        if cumulative:
            scores = ",".join(str(pts) for _, pts in given)
            lines.append(f"{lieu_id};{vote or 'none'};{scores or 'none'}")
        else:
            lines.append(f"{lieu_id};{vote}")
    return "\n".join(lines) + "\n"
