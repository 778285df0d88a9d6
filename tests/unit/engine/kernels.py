"""Both paths of the MES core: the pure-Python one (the reference) and numpy's (issue 19).

`mes_numpy.GROUPS` picks the projects numpy prices; the small elections of the property tests
have none large enough, so the numpy path runs them with every project priced by numpy, and the
mixed one with the projects of fewer than `MIXED` supporting groups priced from the run's state
array without numpy's sort (`price_single`, `drop_beyond_means`), as most of Wieliczka 2023's
are. All check a bought project's supporters' sides through `mes_run.crossing`'s floats at
every size."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from cobudget.engine import mes_numpy, mes_run

KERNELS = pytest.mark.parametrize("kernel", ["python", "numpy", "mixed"])
MIXED = 3


@contextmanager
def kernel_in_use(kernel: str) -> Iterator[None]:
    saved = mes_numpy.GROUPS, mes_run.CROSSING
    mes_numpy.GROUPS = {"python": None, "numpy": 0, "mixed": MIXED}[kernel]
    mes_run.CROSSING = 0
    try:
        yield
    finally:
        mes_numpy.GROUPS, mes_run.CROSSING = saved
