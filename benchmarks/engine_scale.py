"""Time `cofunding` and `matching` on generated envelopes of growing size (issue 4).

Prints, per size and rule, the best wall time of `engine.settle` (validation included) over a few
runs, and the peak memory traced by tracemalloc in a separate run (tracing slows Python down, so
it is not timed). Target: the largest size (1 000 lieux, 2 000 challenges, 100 000 pledges) under
one second. Run: `.venv/bin/python benchmarks/engine_scale.py [--repeat N]`.
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc

from cobudget.engine import settle
from cobudget.engine.types import (
    BudgetLine,
    Challenge,
    Cofunder,
    EnvelopeInput,
    Lieu,
    Pledge,
    PledgeSource,
    Rule,
)

SIZES = [(10, 20, 1_000), (100, 200, 10_000), (300, 600, 30_000), (1_000, 2_000, 100_000)]
RIGHTS_PER_LIEU = 1_000_000  # 10 000 € of drawing rights per lieu


def generate(rule: Rule, lieux: int, challenges: int, pledges: int, seed: int = 1) -> EnvelopeInput:
    """A plausible envelope: a few pledges per lieu and challenge, some challenges out of reach,
    a few not consented, drawing-rights pledges that fit each lieu's rights."""
    rnd = random.Random(seed)
    per_pledge = pledges // challenges
    chals = []
    for cid in range(1, challenges + 1):
        proposers = rnd.sample(range(1, lieux + 1), rnd.randint(1, 3))
        lines = []
        for lid in range(1, rnd.randint(1, 4) + 1):
            low = rnd.randint(0, per_pledge * 12_000)
            lines.append(BudgetLine(id=lid, min_cents=low, max_cents=low + rnd.randint(0, 200_000)))
        chals.append(
            Challenge(id=cid, proposers=proposers, consented=rnd.random() < 0.9, budget_lines=lines)
        )
    cofunders = [Cofunder(id=i) for i in range(1, 51)]
    budget = {i: RIGHTS_PER_LIEU for i in range(1, lieux + 1)}
    made = []
    for pid in range(1, pledges + 1):
        challenge = chals[rnd.randrange(challenges)]
        amount = rnd.randint(100, 20_000)
        if rnd.random() < 0.05:
            kind, who = "cofunder", rnd.randint(1, 50)
        else:
            kind, who = "lieu", rnd.randint(1, lieux)
        source: PledgeSource = "own_funds"
        drawing = kind == "lieu" and rule == "cofunding" and who not in challenge.proposers
        if drawing and budget[who] >= amount and rnd.random() < 0.7:
            source = "drawing_rights"
            budget[who] -= amount
        made.append(
            Pledge(
                id=pid,
                challenge_id=challenge.id,
                contributor_kind=kind,
                contributor_id=who,
                source=source,
                amount_cents=amount,
            )
        )
    return EnvelopeInput(
        # The matching pool is smaller, so that some challenges are dropped below their minimum.
        amount_cents=lieux * RIGHTS_PER_LIEU // (1 if rule == "cofunding" else 20),
        rule=rule,
        lieux=[Lieu(id=i, weight=1) for i in range(1, lieux + 1)],
        cofunders=cofunders,
        challenges=chals,
        pledges=made,
    )


def measure(inputs: EnvelopeInput, repeat: int) -> tuple[float, int, int, int]:
    """Best time in seconds, peak traced bytes, funded and dropped challenges."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = settle(inputs)
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    settle(inputs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    dropped = sum("dropped_below_minimum" in c.explanation.reasons for c in result.challenges)
    return best, peak, sum(c.funded for c in result.challenges), dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'rule':<10} {'lieux':>6} {'challenges':>10} {'pledges':>8} {'funded':>7} "
        f"{'dropped':>7} {'seconds':>8} {'peak MiB':>9}"
    )
    for rule in ("cofunding", "matching"):
        for lieux, challenges, pledges in SIZES:
            inputs = generate(rule, lieux, challenges, pledges)
            seconds, peak, funded, dropped = measure(inputs, args.repeat)
            print(
                f"{rule:<10} {lieux:>6} {challenges:>10} {pledges:>8} {funded:>7} "
                f"{dropped:>7} {seconds:>8.3f} {peak / 2**20:>9.1f}"
            )


if __name__ == "__main__":
    main()
