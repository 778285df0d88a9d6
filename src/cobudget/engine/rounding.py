"""Rounding a table of exact payments to whole cents, with a bound on what each payer pays.

`money.largest_remainder` splits one amount; `equal_shares` has a table of them: the exact
payments (fractions of cents) of each challenge it bought, by lieu. Rounding each column alone
could make a lieu that spent its whole (fractional) budget pay one cent more than it had in
each of several columns. `round_table` rounds every column as `largest_remainder` would while
keeping each payer within its bound: a flow problem (columns hand out their missing cents,
each payer takes at most so many), solved by augmenting paths from a greedy start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from math import lcm

from cobudget.engine.money import ceil_div


def round_table(
    columns: Sequence[Mapping[int, Fraction]], soft: Mapping[int, int]
) -> list[dict[int, int]]:
    """Round each exact payment down or up to whole cents, keeping every column's total.

    `columns[c]` maps each payer (a key: a lieu id) to what it pays exactly for column c (a
    challenge bought by `equal_shares`); each column adds up to a whole number of cents. Each
    key pays in all at most `soft[key]` (no bound for a key absent) wherever the table can be
    rounded so; where it cannot, as few cents as possible go above, none of them above the
    ceiling of the key's exact total (SPEC §6.4). The cents a column misses after the floors go
    to its largest fractional parts first, ties to the smallest key: where no bound is reached,
    each column is split exactly as `largest_remainder` splits it. Raises ValueError if a
    column's total is not whole.
    """
    floors: list[dict[int, int]] = []
    parts: list[list[int]] = []  # per column, the keys not paying a whole amount, best first
    remainders: list[tuple[dict[int, int], int]] = []  # per column, those keys' fractions
    need: list[int] = []
    base: dict[int, int] = {}
    for column in columns:
        # Over one common denominator, in integers: many payers share a few denominators.
        common = lcm(*{exact.denominator for exact in column.values()})
        scaled = {key: x.numerator * (common // x.denominator) for key, x in column.items()}
        total, remainder = divmod(sum(scaled.values()), common)
        if remainder:
            raise ValueError("a column does not add up to whole cents")
        whole = {key: value // common for key, value in scaled.items()}
        rem = {key: value % common for key, value in scaled.items() if value % common}
        for key, cents in whole.items():
            base[key] = base.get(key, 0) + cents
        floors.append(whole)
        parts.append(sorted(rem, key=lambda key: (-rem[key], key)))
        remainders.append((rem, common))
        need.append(total - sum(whole.values()))
    payers = {key for column_parts in parts for key in column_parts}
    # Round-ups each key may take: within its soft bound (any number without one) first, then,
    # where that is not enough, up to its exact total's ceiling, which the exact payments
    # respect (so the second pass always ends).
    bound = {key: max(0, soft[key] - base[key]) if key in soft else len(columns) for key in payers}
    table = _Table(parts, bound)
    short: list[int] = []
    for c, keys in enumerate(parts):
        missing = need[c]
        for key in keys:
            if not missing:
                break
            if table.has_room(key):
                table.round_up(c, key)
                table.take(key)
                missing -= 1
        short.extend([c] * missing)
    short = [c for c in short if not table.augment(c)]
    if short:
        rest: dict[int, Fraction] = {}
        for rem, common in remainders:
            for key, value in rem.items():
                rest[key] = rest.get(key, Fraction(0)) + Fraction(value, common)
        ceiling = {key: ceil_div(part.numerator, part.denominator) for key, part in rest.items()}
        table.set_limit({key: max(bound[key], ceiling[key]) for key in payers})
        short = [c for c in short if not table.augment(c)]
    if short:  # cannot happen: the exact payments themselves round within that limit
        raise ValueError("the table cannot be rounded")
    return [
        {key: cents + (key in table.up[c]) for key, cents in whole.items()}
        for c, whole in enumerate(floors)
    ]


class _Table:
    """Which payments are rounded up, and, per column, how many of its payments not rounded up
    belong to a key that may still take a round-up (`room`): an augmenting path ends at the
    first column it reaches that has some, so it seldom reads a whole column."""

    def __init__(self, parts: list[list[int]], limit: Mapping[int, int]) -> None:
        self.parts = parts
        self.up: list[set[int]] = [set() for _ in parts]
        self.held: dict[int, dict[int, None]] = {}  # key -> columns rounding it up, in order
        self.columns: dict[int, list[int]] = {}  # key -> columns where it pays a fraction
        for c, keys in enumerate(parts):
            for key in keys:
                self.columns.setdefault(key, []).append(c)
                self.held.setdefault(key, {})
        self.used = dict.fromkeys(self.columns, 0)
        self.room = [0] * len(parts)
        self.cursor = [0] * len(parts)
        self.set_limit(limit)

    def set_limit(self, limit: Mapping[int, int]) -> None:
        self.limit = limit
        self.room = [
            sum(1 for key in keys if key not in self.up[c] and self.has_room(key))
            for c, keys in enumerate(self.parts)
        ]
        # Under one limit a key never gets room back, and a round-up an augmenting path moves
        # away is always that of a key without room: in each column, the payments that may
        # still be rounded up only get fewer, so the search for one resumes where it stopped.
        self.cursor = [0] * len(self.parts)

    def has_room(self, key: int) -> bool:
        return self.used[key] < self.limit[key]

    def round_up(self, c: int, key: int) -> None:
        self.up[c].add(key)
        self.held[key][c] = None
        if self.has_room(key):
            self.room[c] -= 1

    def give_up(self, c: int, key: int) -> None:
        self.up[c].discard(key)
        del self.held[key][c]
        if self.has_room(key):
            self.room[c] += 1

    def take(self, key: int) -> None:
        """Count one more round-up for `key` (already marked in its column)."""
        self.used[key] += 1
        if not self.has_room(key):
            for c in self.columns[key]:
                if key not in self.up[c]:
                    self.room[c] -= 1

    def augment(self, start: int) -> bool:
        """Round one more payment of column `start` up, moving round-ups of other columns from
        key to key if needed (breadth first), with no key above the limit."""
        via_column: dict[int, int] = {}  # key -> the column that reached it
        via_key: dict[int, int] = {start: -1}  # column -> the key whose round-up it gives up
        queue = [start]
        for c in queue:
            if self.room[c]:
                self._finish(c, start, via_column, via_key)
                return True
            for key in self.parts[c]:
                if key in self.up[c] or key in via_column:
                    continue
                via_column[key] = c
                for other in self.held[key]:
                    if other not in via_key:
                        via_key[other] = key
                        if self.room[other]:
                            self._finish(other, start, via_column, via_key)
                            return True
                        queue.append(other)
        return False

    def _finish(
        self, c: int, start: int, via_column: dict[int, int], via_key: dict[int, int]
    ) -> None:
        """Round up a payment of column c whose key has room, then walk back to `start`: each
        column on the way gives up the round-up of the key the next one took."""
        keys, at = self.parts[c], self.cursor[c]
        while keys[at] in self.up[c] or not self.has_room(keys[at]):
            at += 1
        self.cursor[c] = at + 1
        key = keys[at]
        self.round_up(c, key)
        self.take(key)
        while c != start:
            key = via_key[c]
            self.give_up(c, key)
            c = via_column[key]
            self.round_up(c, key)
