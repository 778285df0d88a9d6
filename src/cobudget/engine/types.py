"""The engine's frozen inputs and outputs: the contract between the engine and everything else.

Every amount is an integer number of cents; every id is an int, and ties are broken by id.
Inputs are decoded strictly (no field the engine does not know, no float where cents go), so
what is settled is exactly what was stored. The canonical encoding of an `EnvelopeInput`
(`engine.canonical`) is what a settlement's digest covers. SPEC §6.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Rule = Literal["cofunding", "equal_shares", "matching"]
ContributorKind = Literal["lieu", "cofunder"]
PledgeSource = Literal["drawing_rights", "own_funds"]
SupportKind = Literal["approval", "points", "pledges"]
UtilityKind = Literal["cost", "cardinal"]


class _In(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base of every input struct: immutable, strict."""


class Lieu(_In, frozen=True):
    id: int
    weight: int = 1
    # False when the lieu's legal form may not receive envelope money (SPEC §1, §4).
    eligible: bool = True


class Cofunder(_In, frozen=True):
    """An outside co-funding organisation (a contributor unit that has no drawing rights)."""

    id: int


class BudgetLine(_In, frozen=True):
    id: int
    min_cents: int
    max_cents: int
    label: str = ""


class Challenge(_In, frozen=True):
    id: int
    # Lieu ids; the first is the proposing lieu, the others co-proposers.
    proposers: list[int]
    consented: bool
    budget_lines: list[BudgetLine]
    # Amount asked from the envelope; None means "sum of minimums less own-fund pledges" (§6.2).
    requested_cents: int | None = None
    label: str = ""


class Pledge(_In, frozen=True):
    id: int
    challenge_id: int
    contributor_kind: ContributorKind
    contributor_id: int
    source: PledgeSource
    amount_cents: int


class Support(_In, frozen=True):
    """A lieu's approval of (points = 1) or points given to a challenge, for `equal_shares`."""

    lieu_id: int
    challenge_id: int
    points: int = 1


class RuleParams(_In, frozen=True):
    # cofunding (§6.1)
    min_cofunders: int = 2
    own_challenge_cap_pct: int = 50
    # equal_shares (§6.2): how support is read, what a supported challenge is worth to a
    # supporter ("cost": its cost; "cardinal": the points given), and the add-one step per lieu.
    support: SupportKind = "approval"
    utility: UtilityKind = "cost"
    unit_cents: int = 100


class ReceiptChain(_In, frozen=True):
    """The envelope's chain of receipts as the settlement read it (issue 20): how many writes,
    and the full hash of the last one (`engine.receipts`)."""

    writes: int
    head: str


class EnvelopeFields(_In, frozen=True):
    """The fields every settlement's inputs have had; `EnvelopeInput` adds the chain of
    receipts after them."""

    amount_cents: int
    rule: Rule
    params: RuleParams = msgspec.field(default_factory=RuleParams)
    lieux: list[Lieu] = msgspec.field(default_factory=list)
    cofunders: list[Cofunder] = msgspec.field(default_factory=list)
    challenges: list[Challenge] = msgspec.field(default_factory=list)
    pledges: list[Pledge] = msgspec.field(default_factory=list)
    supports: list[Support] = msgspec.field(default_factory=list)


class EnvelopeInput(EnvelopeFields, frozen=True):
    """An envelope's inputs. `chain` is set by a settlement made since receipts exist, so that
    its digest covers the receipts; inputs without it (the projection, a settlement published
    before receipts) encode exactly as they did before it existed (`engine.canonical`)."""

    chain: ReceiptChain | None = None
