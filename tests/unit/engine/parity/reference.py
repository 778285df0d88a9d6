"""Run the reference (pabutools) and our engine on one pabulib instance, in comparable form.

Both sides are reduced to the same `Outcome`: the projects MES selected (in order), all the
selected projects (in order, MES then greedy), and each voter's exact payment per project
bought by MES, in the instance's currency unit (ours are in cents: divided by 100). Our side
also names the projects no voter supports: pabutools' greedy may buy them (last), ours never
does (SPEC §6.2), and `without_unsupported_tail` takes exactly those out of the reference's
selection before comparing. pabutools does not return payments: with `analytics=True`, each iteration of
the kept add-one run holds `voters_budget` and `voters_budget_after_selection` (voters in
ballot order), and a voter's payment for the iteration's project is the difference. Projects
are named by their pabulib ids; voters by their index in the VOTES section. Our side maps back
through the import's id mapping (challenge id i <-> i-th project name in string order, lieu id
v <-> voter index v - 1).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from cobudget.engine.pabulib import CENTS_PER_UNIT, parse_pb_full
from cobudget.engine.rules.equal_shares import solve
from cobudget.engine.types import UtilityKind

PABULIB = Path("/work/shared/pabulib")
RECORDED = Path(__file__).resolve().parents[4] / "benchmarks" / "reference"


@dataclass(frozen=True)
class Outcome:
    mes: list[str]
    selected: list[str]
    payments: dict[str, dict[int, Fraction]]
    # Projects no voter supports (our side only; not recorded).
    unsupported: frozenset[str] = field(default=frozenset())

    def to_json(self) -> dict[str, Any]:
        """Payments grouped by amount, voter indices delta-encoded: small once gzipped."""
        pays: dict[str, dict[str, list[int]]] = {}
        for name, by_voter in self.payments.items():
            groups: dict[str, list[int]] = {}
            for voter in sorted(by_voter):
                amount = by_voter[voter]
                groups.setdefault(f"{amount.numerator}/{amount.denominator}", []).append(voter)
            pays[name] = {
                amount: [v - (voters[i - 1] if i else 0) for i, v in enumerate(voters)]
                for amount, voters in groups.items()
            }
        return {"mes": self.mes, "selected": self.selected, "payments": pays}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        payments: dict[str, dict[int, Fraction]] = {}
        for name, groups in data["payments"].items():
            by_voter: dict[int, Fraction] = {}
            for amount, deltas in groups.items():
                voter = 0
                for delta in deltas:
                    voter += delta
                    by_voter[voter] = Fraction(amount)
            payments[name] = by_voter
        return cls(data["mes"], data["selected"], payments)


def ours(text: str, utility: UtilityKind = "cost") -> Outcome:
    """Our engine on a `.pb` text, named like the reference."""
    return our_outcome(*our_solution(text, utility))


def our_solution(text: str, utility: UtilityKind = "cost") -> tuple[Any, Any]:
    """What the engine computes from the text (the import, then the result of `solve`): the
    part the benchmark times."""
    import msgspec

    imported = parse_pb_full(text)
    inputs = imported.inputs
    if utility != "cost":
        inputs = msgspec.structs.replace(
            inputs, params=msgspec.structs.replace(inputs.params, utility=utility)
        )
    return imported, solve(inputs)


def our_outcome(imported: Any, solved: Any) -> Outcome:
    """Our result in the reference's form (names, currency units)."""
    ids, lieu_ids, result = solved
    name = {cid: label for label, cid in imported.projects.items()}
    mes = [name[ids[p.project]] for p in result.purchases if p.phase != "greedy"]
    selected = [name[ids[p.project]] for p in result.purchases]
    payments = {
        name[ids[p.project]]: {
            lieu_ids[v] - 1: pay / CENTS_PER_UNIT for v, pay in p.payments.items() if pay
        }
        for p in result.purchases
        if p.phase == "mes"
    }
    unsupported = frozenset(
        name[ids[u.project]] for u in result.unbought if u.reason == "unsupported"
    )
    return Outcome(mes, selected, payments, unsupported)


def without_unsupported_tail(reference: Outcome, unsupported: frozenset[str]) -> Outcome:
    """The reference's outcome less the projects no voter supports that its greedy bought:
    their density is 0, so they must be the tail of its selection (checked), and MES never buys
    them. No instance of ../shared/pabulib/ has such a project today (every project has a
    vote), so this takes nothing out there; it documents and bounds the one intended
    difference."""
    cut = len(reference.selected)
    while cut and reference.selected[cut - 1] in unsupported:
        cut -= 1
    assert not unsupported & set(reference.selected[:cut]), "an unsupported project bought early"
    assert not unsupported & set(reference.mes), "MES bought a project nobody supports"
    return replace(reference, selected=reference.selected[:cut])


def _fraction(x: Any) -> Fraction:
    return Fraction(int(x.numerator), int(x.denominator))


def reference(text: str, utility: UtilityKind = "cost") -> Outcome:
    """pabutools 1.2.3: MES (cost or additive cardinal satisfaction) with add-one completion
    (`voter_budget_increment=1`), then utilitarian greedy completion, default (lexicographic)
    tie-breaking."""
    return reference_outcome(*reference_solution(text, utility))


def reference_solution(text: str, utility: UtilityKind = "cost") -> tuple[Any, Any]:
    """What pabutools computes from the text (its MES outcome, then the greedy's): the part the
    benchmark times."""
    from pabutools.election import Additive_Cardinal_Sat, Cost_Sat
    from pabutools.election.pabulib import parse_pabulib_from_string
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    instance, profile = parse_pabulib_from_string(text)
    sat = Additive_Cardinal_Sat if utility == "cardinal" else Cost_Sat
    mes = method_of_equal_shares(
        instance, profile, sat_class=sat, voter_budget_increment=1, analytics=True
    )
    full = greedy_utilitarian_welfare(
        instance, profile, sat_class=sat, initial_budget_allocation=mes
    )
    return mes, full


def reference_outcome(mes: Any, full: Any) -> Outcome:
    """pabutools' result in comparable form (payments from its analytics)."""
    return Outcome(
        [p.name for p in mes],
        [p.name for p in full],
        _payments(mes.details.iterations),
    )


def _payments(iterations: Any) -> dict[str, dict[int, Fraction]]:
    payments: dict[str, dict[int, Fraction]] = {}
    for it in iterations:
        if it.selected_project is None:
            continue
        before, after = it.voters_budget, it.voters_budget_after_selection
        payments[it.selected_project.name] = {
            i: _fraction(b) - _fraction(a)
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            if b != a
        }
    return payments


def recorded_path(instance: str, utility: UtilityKind) -> Path:
    return RECORDED / f"{instance}.{utility}.json.gz"


def load_recorded(instance: str, utility: UtilityKind) -> dict[str, Any] | None:
    path = recorded_path(instance, utility)
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return data


def save_recorded(instance: str, utility: UtilityKind, data: dict[str, Any]) -> Path:
    path = recorded_path(instance, utility)
    raw = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    return path
