"""Record pabutools' outcome on the pabulib instances too slow to run in the test suite.

    .venv/bin/python benchmarks/reference/record_pabutools.py [INSTANCE ...] [--cardinal]

For each instance (default: the slow ones listed below) it runs pabutools 1.2.3 once, as the
parity test would (MES with add-one, then greedy; cost satisfaction, and additive cardinal
satisfaction on cumulative ballots), and writes `<instance>.<utility>.json.gz` beside this
script: the projects MES selected, all the selected projects, and every voter's payment
recomputed from `analytics=True` (see tests/unit/engine/parity/reference.py).

pabutools cannot finish the add-one scan on three instances (`UNFINISHABLE`). For them the
script runs pabutools' own MES (`method_of_equal_shares_scheme`, no add-one) at the round k our
engine keeps and at k + 1, and records the outcome at k (`method: "at-k"`) with pabutools'
verdict on the stopping rule: the outcome at k is feasible, and either exhaustive or the one at
k + 1 exceeds the budget. What that does not check (that no earlier round stopped the scan)
rests on the jump-versus-linear-scan property tests; docs/equal-shares.md says so.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.unit.engine.parity.reference import (  # noqa: E402
    PABULIB,
    Outcome,
    _payments,
    ours,
    reference,
    save_recorded,
)

SLOW = [
    "Poland_Czestochowa_2025_Stradom",
    "Poland_Swiecie_2023",
    "Poland_Wieliczka_2023_Green_Budget",
    "Poland_Krakow_2025_Biezanow-Prokocim",
    "Poland_Wroclaw_2018",
    "Netherlands_Amsterdam_621",
    "Poland_Warszawa_2026_Mokotow",
    "Poland_Katowice_2024",
    "Poland_Wroclaw_2020",
    "Poland_Lodz_2022",
    "Poland_Wroclaw_2015_150_-_500",
    "Poland_Krakow_2024",
    "Poland_Warszawa_2020_Praga-Poludnie",
]
UNFINISHABLE = [
    "Hungary_Budapest_2023_VIII_Jozsefvaros",
    "Hungary_Budapest_2024",
    "Poland_Warszawa_2026",
]


def at_round(text: str, k: int, utility: str) -> tuple[Outcome, dict[str, bool]]:
    """pabutools' MES at per-voter budget B/n + k, then its greedy; and its stopping verdict."""
    from pabutools.election import (
        AbstractApprovalProfile,
        Additive_Cardinal_Sat,
        Cost_Sat,
    )
    from pabutools.election.pabulib import parse_pabulib_from_string
    from pabutools.fractions import frac
    from pabutools.rules import BudgetAllocation, greedy_utilitarian_welfare
    from pabutools.rules.mes.mes_rule import method_of_equal_shares_scheme
    from pabutools.tiebreaking import lexico_tie_breaking

    instance, profile = parse_pabulib_from_string(text)
    sat = Additive_Cardinal_Sat if utility == "cardinal" else Cost_Sat
    sat_profile = profile.as_sat_profile(sat)
    share = frac(instance.budget_limit, profile.num_ballots())

    def run(j: int) -> BudgetAllocation:
        return method_of_equal_shares_scheme(
            instance,
            profile,
            sat_profile,
            share + j,
            BudgetAllocation(),
            lexico_tie_breaking,
            binary_sat=isinstance(profile, AbstractApprovalProfile),
            analytics=True,
        )

    kept = run(k)
    after = run(k + 1)
    supported = {
        p for p in instance if p.cost > 0 and sat_profile.total_satisfaction_project(p) > 0
    }
    verdict = {
        "feasible_at_k": bool(instance.is_feasible(kept)),
        "exhaustive_at_k": bool(instance.is_exhaustive(kept, available_projects=supported)),
        "over_budget_at_k_plus_1": not instance.is_feasible(after),
    }
    full = greedy_utilitarian_welfare(
        instance, profile, sat_class=sat, initial_budget_allocation=kept
    )
    outcome = Outcome(
        [p.name for p in kept], [p.name for p in full], _payments(kept.details.iterations)
    )
    return outcome, verdict


def record(name: str, utility: str, known_k: int | None = None, check: bool = True) -> None:
    text = (PABULIB / f"{name}.pb").read_text()
    start = time.perf_counter()
    if name in UNFINISHABLE:
        from cobudget.engine.pabulib import parse_pb
        from cobudget.engine.rules.equal_shares import solve

        k = known_k if known_k is not None else solve(parse_pb(text))[2].rounds
        outcome, verdict = at_round(text, k, utility)
        extra: dict[str, object] = {"method": "at-k", "k": k, **verdict}
    else:
        outcome = reference(text, utility)  # type: ignore[arg-type]
        extra = {"method": "full"}
    seconds = time.perf_counter() - start
    data = {
        "instance": name,
        "utility": utility,
        "pabutools": "1.2.3",
        "seconds": round(seconds, 1),
    }
    data.update(extra)
    data.update(outcome.to_json())
    path = save_recorded(name, utility, data)  # type: ignore[arg-type]
    same = outcome == ours(text, utility) if check else "not checked"  # type: ignore[arg-type]
    print(f"{name} {utility}: {seconds:.1f} s, {path.stat().st_size} bytes, ours identical: {same}")


def main(argv: list[str]) -> int:
    """Arguments: instance names; `--k=K` gives the kept round of an unfinishable instance
    (as our engine found it) instead of computing it; `--no-check` skips our engine."""
    names = [a for a in argv if not a.startswith("--")] or SLOW + UNFINISHABLE
    known = [int(a.split("=", 1)[1]) for a in argv if a.startswith("--k=")]
    check = "--no-check" not in argv
    for name in names:
        text = (PABULIB / f"{name}.pb").read_text()
        record(name, "cost", known[0] if known else None, check)
        if "vote_type;cumulative" in text:
            record(name, "cardinal", known[0] if known else None, check)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
