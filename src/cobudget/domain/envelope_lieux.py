"""Who takes part in an envelope (SPEC §4, issue 17): the lieux a coordinator ticks in a draft,
each with a weight for drawing rights, and whether any of them may receive the envelope's money.

Pure rules over what the service loads: the network's lieux with their weights, the envelope's
current lieux, and what the form says. Nothing is repaired: a lieu outside the network, a weight
that is not a whole number between 1 and `MAX_WEIGHT`, or no lieu at all is refused with a
message code per field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cobudget.domain.validation import Checker

# The same bound as a lieu's weight in its network (`services.lieux.MAX_WEIGHT`): a weight is a
# share, and a hundred times another lieu's is already far beyond any real network's choice.
MAX_WEIGHT = 100


def chosen_weights(
    checker: Checker,
    *,
    ticked: frozenset[int] | None,
    typed: Mapping[int, str],
    current: Mapping[int, int],
    network: Mapping[int, int],
) -> dict[int, int]:
    """The envelope's lieux and their weights once the form is applied.

    `ticked`: the lieux the form chose (None when it did not choose: the envelope keeps
    `current`); `typed`: the weights typed, by lieu (only the chosen lieux' count); `current`:
    the envelope's lieux now (at creation, the network's); `network`: the network's lieux and
    their weights. A chosen lieu with no weight typed keeps its current weight, else the
    network's. Codes go to `checker`: `lieux` (lieu_not_in_network, no_lieu), `weights`
    (unknown_lieu), `weight.<id>`."""
    chosen = frozenset(current) if ticked is None else ticked
    if not chosen <= frozenset(network) | frozenset(current):
        checker.fail("lieux", "lieu_not_in_network")
    if ticked is None and not frozenset(typed) <= chosen:
        checker.fail("weights", "unknown_lieu")
    weights: dict[int, int] = {}
    for lieu in sorted(chosen):
        raw = typed.get(lieu)
        if raw is None or not raw.strip():
            weights[lieu] = current.get(lieu) or network.get(lieu) or 1
            continue
        weights[lieu] = checker.positive_int(f"weight.{lieu}", raw, maximum=MAX_WEIGHT)
    if not weights:
        checker.fail("lieux", "no_lieu")
    return weights


def eligible_lieux(legal_forms: Mapping[int, str], eligible_forms: Iterable[str]) -> list[int]:
    """The lieux (by id) whose legal form may receive the envelope's money (SPEC §1: the
    network decides); an envelope with none of them could fund nothing, so it is not opened."""
    allowed = frozenset(eligible_forms)
    return sorted(lieu for lieu, form in legal_forms.items() if form in allowed)
