"""Exact arithmetic of quadratic matching (SPEC §6.3): ideal matches and water-filling.

Square roots are taken with `math.isqrt` on integers scaled by 2^64, i.e. √c is read as
⌊√c · 2^32⌋ / 2^32, and summed as integers, so the result is the same on every machine and in
every order. The ideal match of a challenge is then ⌊(Σ √c)²⌋ − Σ c in whole cents (rounded
down; with the square roots known to 2^-32, this is the exact floor except within about 10^-5
of a cent of an integer).

Water-filling: with pool R and ideal matches m_j, each challenge j gets min(h_j, s·m_j), where
h_j is the room left under its maximum and the level s ≤ 1 is as high as the pool allows.
Challenges are capped in increasing order of h_j / m_j (ties by id): the level only rises as
challenges are capped or dropped, so one pointer walks that order once in all.
"""

from __future__ import annotations

from fractions import Fraction
from math import isqrt

SQRT_BITS = 32


def ideal_match(unit_amounts: list[int]) -> int:
    """(Σ √c)² − Σ c in whole cents, rounded down; 0 for fewer than two units."""
    if len(unit_amounts) < 2:
        return 0
    roots = sum(isqrt(c << (2 * SQRT_BITS)) for c in unit_amounts)
    return max(0, ((roots * roots) >> (2 * SQRT_BITS)) - sum(unit_amounts))


class WaterFill:
    """The state of the matching pool over a set of challenges that only shrinks.

    `ideal` and `room` map challenge ids to m_j > 0 and h_j ≥ 0. `remaining` is the pool not
    taken by capped challenges and `ideal_left` the ideal matches of the others; the level is
    min(1, remaining / ideal_left).
    """

    def __init__(self, pool_cents: int, ideal: dict[int, int], room: dict[int, int]) -> None:
        self.ideal = ideal
        self.room = room
        self.order = sorted(ideal, key=lambda j: (Fraction(room[j], ideal[j]), j))
        self.pointer = 0
        self.remaining = pool_cents
        self.ideal_left = sum(ideal.values())
        self.capped: set[int] = set()
        self.dropped: set[int] = set()
        self._advance()

    def _advance(self) -> None:
        while self.pointer < len(self.order):
            j = self.order[self.pointer]
            if j not in self.dropped:
                h, m = self.room[j], self.ideal[j]
                if h > m or h * self.ideal_left > self.remaining * m:
                    return
                self.capped.add(j)
                self.remaining -= h
                self.ideal_left -= m
            self.pointer += 1

    def level(self) -> Fraction:
        if self.ideal_left <= self.remaining:
            return Fraction(1)
        return Fraction(self.remaining, self.ideal_left)

    def drop(self, j: int) -> None:
        """Remove an uncapped challenge (capped ones sit at their maximum and are never dropped);
        its share of the pool goes back to the others."""
        self.dropped.add(j)
        if j in self.ideal and j not in self.capped:
            self.ideal_left -= self.ideal[j]
            self._advance()
