"""Time pabutools and our `equal_shares` on the pabulib instances, in the same run.

    .venv/bin/python benchmarks/engine_vs_pabutools.py [--limit SECONDS] [--skip-pabutools]
        [--without-pabutools NAME ...] [--cardinal] [--runs N] [--only NAME ...] [INSTANCE ...]

Each instance is read once; pabutools (MES with cost satisfaction, add-one with
`voter_budget_increment=1`, then greedy) runs in a subprocess with a time limit per instance,
so an instance it cannot finish prints "did not finish (> N s)" (`--without-pabutools NAME`
does not start it on that instance); our engine runs in this process on the same text, once,
then the median of the next three runs is timed (the first warms the process's memory, as a
server's is; `--runs N` for another number).
`--only NAME` (repeatable, or instance names as arguments) times those instances only. Both
times include reading the text (pabutools' parser, our `parse_pb`) and nothing after the
rule: putting each side's result in comparable form is not timed. Both outcomes are
compared: selected projects in order and every voter's payment. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing as mp
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.unit.engine.parity.reference import (  # noqa: E402
    PABULIB,
    Outcome,
    load_recorded,
    our_outcome,
    our_solution,
    reference_outcome,
    reference_solution,
)


def _reference_worker(text: str, utility: str, queue: Any) -> None:
    # pabutools' modules are imported before the clock starts, as ours are.
    import pabutools.election
    import pabutools.election.pabulib
    import pabutools.rules  # noqa: F401

    start = time.perf_counter()
    solution = reference_solution(text, utility)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    queue.put((seconds, reference_outcome(*solution).to_json()))


def time_pabutools(text: str, utility: str, limit: float) -> tuple[float, Outcome] | None:
    """pabutools' seconds and outcome, or None if it did not finish within `limit`."""
    queue: Any = mp.get_context("fork").Queue()
    process = mp.get_context("fork").Process(target=_reference_worker, args=(text, utility, queue))
    process.start()
    deadline = time.monotonic() + limit
    result = None
    while time.monotonic() < deadline:
        try:
            seconds, data = queue.get(timeout=0.5)
            result = (seconds, Outcome.from_json(data))
            break
        except Exception:  # queue.Empty while it runs
            if not process.is_alive():
                break
    process.terminate()
    process.join()
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="*", help="instance names (default: all)")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="time this instance only"
    )
    parser.add_argument(
        "--without-pabutools",
        action="append",
        default=[],
        metavar="NAME",
        help="do not run pabutools on this instance (one it cannot finish)",
    )
    parser.add_argument("--limit", type=float, default=600.0, help="seconds per pabutools run")
    parser.add_argument("--skip-pabutools", action="store_true")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of ours (median)")
    parser.add_argument("--cardinal", action="store_true", help="cardinal utilities (cumulative)")
    args = parser.parse_args(argv)
    from cobudget.engine.pabulib import parse_pb

    names = args.instances + args.only or [
        p.stem for p in sorted(PABULIB.glob("*.pb"), key=lambda p: p.stat().st_size)
    ]
    utility = "cardinal" if args.cardinal else "cost"
    print("| instance | projects | voters | pabutools (s) | ours (s) | ratio | identical |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for name in names:
        text = (PABULIB / f"{name}.pb").read_text(encoding="utf-8")
        if args.cardinal and "vote_type;cumulative" not in text:
            continue
        inputs = parse_pb(text)
        sizes = (len(inputs.challenges), len(inputs.lieux))
        # Each side starts from a process holding nothing of the previous instance: the last
        # results (millions of exact payments after the large ones) would otherwise be walked
        # by every full garbage collection of the next run, ours and pabutools' (forked) alike.
        del inputs
        # Ours is timed on its runs after the first: the first grows the process's memory to
        # the size this instance needs (about 0.1 s of page faults on a small one), as a running
        # server's already is. The figure is the median of `--runs` timed runs (3 by default).
        # pabutools runs once; it needs minutes where that matters.
        our_solution(text, utility)  # type: ignore[arg-type]
        times = []
        for _ in range(args.runs):
            gc.collect()
            start = time.perf_counter()
            solution = our_solution(text, utility)  # type: ignore[arg-type]
            times.append(time.perf_counter() - start)
        our_seconds = statistics.median(times)
        # Kept as text while pabutools runs, so that its forked process walks none of it.
        ours_text = json.dumps(our_outcome(*solution).to_json())
        del solution
        gc.collect()
        if args.skip_pabutools or name in args.without_pabutools:
            theirs, shown, ratio, same = None, "skipped", "", ""
            recorded = load_recorded(name, utility)  # type: ignore[arg-type]
            if recorded is not None:
                mine = Outcome.from_json(json.loads(ours_text))
                same = "yes (recorded)" if Outcome.from_json(recorded) == mine else "NO (recorded)"
        else:
            theirs = time_pabutools(text, utility, args.limit)
            if theirs is None:
                shown, ratio, same = f"did not finish (> {args.limit:.0f} s)", "", "n/a"
            else:
                shown = f"{theirs[0]:.2f}"
                ratio = f"{theirs[0] / our_seconds:.0f}×"
                mine = Outcome.from_json(json.loads(ours_text))
                same = "yes" if theirs[1] == mine else "NO"
        print(
            f"| {name} | {sizes[0]} | {sizes[1]} | {shown} | "
            f"{our_seconds:.2f} | {ratio} | {same} |",
            flush=True,
        )
        del theirs
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
