"""Money helpers: the one place where an amount of cents is split (SPEC §6).

Every rule that divides cents among several parties calls `largest_remainder`, so rounding is
decided once: each party first gets the floor of its exact share, then the cents still missing
go one by one to the largest remainders, ties to the smallest key (id). The parts always add up
to the total exactly. `round_table` rounds a table of exact payments (`equal_shares`) the same
way, column by column, while bounding what each payer pays in all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction


def largest_remainder(total_cents: int, weights: Sequence[int], keys: Sequence[int]) -> list[int]:
    """Split `total_cents` in proportion to `weights` (Hamilton's method), ties by smallest key.

    Returns one integer per weight, in the order given, summing to `total_cents`; a party never
    gets more than the ceiling of its exact share. Raises ValueError on a negative total or
    weight, on weights and keys of different lengths, or on a positive total with no weight
    (callers validate inputs first: this is a programming error, not bad input).
    """
    if len(weights) != len(keys):
        raise ValueError("weights and keys differ in length")
    if total_cents < 0:
        raise ValueError("negative total")
    weight_sum = 0
    for w in weights:
        if w < 0:
            raise ValueError("negative weight")
        weight_sum += w
    if weight_sum == 0:
        if total_cents:
            raise ValueError("positive total with no weight")
        return [0] * len(weights)
    shares: list[int] = []
    remainders: list[int] = []
    for w in weights:
        q, r = divmod(total_cents * w, weight_sum)
        shares.append(q)
        remainders.append(r)
    missing = total_cents - sum(shares)
    if missing:
        order = sorted(range(len(weights)), key=lambda i: (-remainders[i], keys[i]))
        for i in order[:missing]:
            shares[i] += 1
    return shares


def fraction_text(value: Fraction) -> str:
    """An exact fraction as the text "num/den" (always both parts, lowest terms), as
    explanations show it so that a reader can check it without floating point."""
    return f"{value.numerator}/{value.denominator}"


def ceil_div(a: int, b: int) -> int:
    """⌈a / b⌉ for a positive b, in integers."""
    return -(-a // b)


def round_table(
    columns: Sequence[Mapping[int, Fraction]], soft: Mapping[int, int]
) -> list[dict[int, int]]:
    """Round a table of exact payments to whole cents, keeping every column's total.

    `columns[c]` maps each payer (a key: a lieu id) to what it pays exactly for column c (a
    challenge bought by `equal_shares`); each column adds up to a whole number of cents. Each
    payment becomes its floor or its ceiling; each column keeps its exact total; each key pays
    in all at most `soft[key]` (no bound for a key absent) wherever the table can be rounded so,
    and where it cannot, as few cents as possible go above, none of them above the ceiling of
    the key's exact total (SPEC §6.4). The cents a column misses after the floors go to its
    largest fractional parts first, ties to the smallest key: where no bound is reached, each
    column is split exactly as `largest_remainder` splits it. Raises ValueError if a column's
    total is not whole.

    Rounding each column alone could make a payer that spent its whole (fractional) budget pay
    a cent more than it had in each of several columns; bounding each payer's total is a flow
    problem (columns give their missing cents to payers, each payer takes at most so many),
    solved by augmenting paths from a greedy start that nearly always suffices.
    """
    floors: list[dict[int, int]] = []
    parts: list[list[int]] = []  # per column, the keys not paying a whole amount, best first
    need: list[int] = []
    base: dict[int, int] = {}
    rest: dict[int, Fraction] = {}
    for column in columns:
        whole = {key: exact.numerator // exact.denominator for key, exact in column.items()}
        total = sum(column.values(), Fraction(0))
        if total.denominator != 1:
            raise ValueError("a column does not add up to whole cents")
        frac = {key: exact - whole[key] for key, exact in column.items() if exact != whole[key]}
        for key, cents in whole.items():
            base[key] = base.get(key, 0) + cents
        for key, part in frac.items():
            rest[key] = rest.get(key, Fraction(0)) + part
        floors.append(whole)
        parts.append(sorted(frac, key=lambda key: (-frac[key], key)))
        need.append(total.numerator - sum(whole.values()))
    # Round-ups each key may take: within its soft bound (any number without one) first, then
    # up to its exact total's ceiling (the exact payments respect it: the second pass ends).
    ceiling = {key: ceil_div(part.numerator, part.denominator) for key, part in rest.items()}
    bound = {key: max(0, soft[key] - base[key]) if key in soft else len(columns) for key in rest}
    hard = {key: max(bound[key], top) for key, top in ceiling.items()}
    used = dict.fromkeys(hard, 0)
    up: list[set[int]] = [set() for _ in columns]  # keys rounded up, per column
    held: dict[int, set[int]] = {key: set() for key in hard}  # columns rounding a key up
    short: list[int] = []
    for c, keys in enumerate(parts):
        missing = need[c]
        for key in keys:
            if not missing:
                break
            if used[key] < bound[key]:
                up[c].add(key)
                held[key].add(c)
                used[key] += 1
                missing -= 1
        short.extend([c] * missing)
    for limit in (bound, hard):
        progress = True
        while short and progress:
            left = [c for c in short if not _augment(c, limit, parts, up, held, used)]
            progress = len(left) < len(short)
            short = left
    if short:  # cannot happen: the exact payments themselves round within `hard`
        raise ValueError("the table cannot be rounded")
    return [
        {key: cents + (key in up[c]) for key, cents in whole.items()}
        for c, whole in enumerate(floors)
    ]


def _augment(
    start: int,
    limit: Mapping[int, int],
    parts: list[list[int]],
    up: list[set[int]],
    held: dict[int, set[int]],
    used: dict[int, int],
) -> bool:
    """Round one more payment of column `start` up, moving other columns' round-ups from key to
    key if needed (a shortest augmenting path), without any key going above `limit`."""
    via_column: dict[int, int] = {}  # key -> the column that reached it
    via_key: dict[int, int] = {start: -1}  # column -> the key whose round-up it would give up
    queue = [start]
    for c in queue:
        for key in parts[c]:
            if key in up[c] or key in via_column:
                continue
            via_column[key] = c
            if used[key] < limit[key]:
                used[key] += 1
                while True:
                    column = via_column[key]
                    up[column].add(key)
                    held[key].add(column)
                    if column == start:
                        return True
                    key = via_key[column]  # the round-up this column gives up
                    up[column].discard(key)
                    held[key].discard(column)
            for other in sorted(held[key]):
                if other not in via_key:
                    via_key[other] = key
                    queue.append(other)
    return False
