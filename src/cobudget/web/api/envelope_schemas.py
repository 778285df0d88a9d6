"""The API's schemas for envelopes: configuration and phase, each lieu's drawing rights, the
live projection (or the published settlement), pledges, and the stored settlement."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from cobudget.domain.challenges import MAX_AMOUNT_CENTS
from cobudget.engine.settlement import Explanation, Settlement
from cobudget.engine.types import EnvelopeInput
from cobudget.web.api.pagination import Paged
from cobudget.web.forms import MAX_ID

PledgeSource = Literal["drawing_rights", "own_funds"]


class EnvelopeOut(msgspec.Struct, frozen=True):
    id: int
    title: str
    amount_cents: int
    rule: str
    phase: str


class EnvelopePage(Paged, frozen=True):
    items: list[EnvelopeOut]


class EnvelopeLieuOut(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    legal_form: str
    weight: int
    eligible: bool  # its legal form may receive envelope money
    drawing_rights_cents: int


class EnvelopeDetail(msgspec.Struct, frozen=True):
    id: int
    network_id: int
    title: str
    amount_cents: int
    rule: str  # cofunding, equal_shares or matching
    phase: str  # draft, proposals, diagnosis, funding, closed or follow_up
    min_cofunders: int
    own_challenge_cap_pct: int
    support: str
    eligible_forms: list[str]
    quorum: int
    hide_pledges: bool
    proposals_from: dt.datetime
    diagnosis_from: dt.datetime
    funding_from: dt.datetime
    funding_until: dt.datetime
    diagnosis_during_funding: bool
    lieux: list[EnvelopeLieuOut]


class PledgeLineOut(msgspec.Struct, frozen=True):
    contributor: str
    contributor_kind: str  # lieu or cofunder
    source: str
    pledged_cents: int
    captured_cents: int  # what the projection (or settlement) takes of it


class PledgeLinePage(Paged, frozen=True):
    items: list[PledgeLineOut]


class StakeOut(msgspec.Struct, frozen=True):
    """What one of the reader's lieux or organisations has put on a challenge."""

    unit: str  # "lieu:3" or "org:2", as the pledge write takes it
    name: str
    drawing_rights_cents: int
    own_funds_cents: int
    points: int
    sources: list[str]


class ProjectionChallengeOut(msgspec.Struct, frozen=True):
    id: int
    title: str
    proposers: list[str]
    consented: bool
    min_cents: int
    max_cents: int
    pledged_cents: int
    supporters: int
    points: int
    funded: bool
    total_cents: int
    drawing_rights_cents: int
    own_funds_cents: int
    match_cents: int
    progress_cents: int
    explanation: Explanation | None  # the engine's reason codes and numbers
    explanation_text: str  # the same, in words (the reader's language)
    mine: list[StakeOut]


class ProjectionLieuOut(msgspec.Struct, frozen=True):
    """One lieu's figures, as the envelope page shows them (SPEC §6.4)."""

    id: int
    name: str
    drawing_rights_cents: int
    pledged_cents: int  # pledged from its drawing rights
    left_cents: int  # drawing rights not pledged yet
    # equal_shares: what the add-one completion added to its budget (0 under the other rules).
    raise_cents: int
    # What the settlement takes from it; never more than drawing rights + raise.
    spent_cents: int
    # cofunding: drawing rights not spent, which go to the leftover (they add up to it).
    # equal_shares: null; what a lieu does not spend is no leftover, the envelope's is the only one.
    unspent_cents: int | None
    # While pledges are hidden (until the close), another unit's row gives its drawing rights
    # only: its other figures read 0 (null for unspent), and masked is true.
    masked: bool = False


class ProjectionLieuTotalsOut(msgspec.Struct, frozen=True):
    """The lieux' figures added up; under cofunding and equal_shares `spent_cents` is the
    envelope money the challenges get: amount_cents - leftover_cents."""

    drawing_rights_cents: int
    raise_cents: int
    spent_cents: int


class ProjectionOut(msgspec.Struct, frozen=True):
    envelope_id: int
    rule: str
    settled: bool  # true: this is the published settlement, no longer a projection
    funding_open: bool
    hidden: bool  # individual pledges are hidden until funding closes
    error: str | None  # why the engine refused the current inputs, if it did
    amount_cents: int
    leftover_cents: int
    funded_count: int
    inputs_digest: str
    challenges: list[ProjectionChallengeOut]
    lieux: list[ProjectionLieuOut]
    lieu_totals: ProjectionLieuTotalsOut


class SettlementOut(msgspec.Struct, frozen=True):
    """A published settlement as stored: its canonical inputs, its result and their digests;
    the two files link to the exact bytes that `cobudget verify` checks offline."""

    envelope_id: int
    settled_at: dt.datetime
    inputs_digest: str  # SHA-256 of the canonical inputs (what the settlement names)
    settlement_sha256: str  # SHA-256 of the stored settlement bytes
    inputs: EnvelopeInput
    settlement: Settlement
    inputs_url: str
    settlement_url: str


class PledgeIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    challenge_id: Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
    # Who pledges: "lieu:N" or "org:N" (one of the reader's lieux or organisations).
    unit: Annotated[str, msgspec.Meta(max_length=40)]
    source: PledgeSource
    # The pledge becomes this amount; 0 withdraws it (a negative one is refused with a 422).
    amount_cents: Annotated[int, msgspec.Meta(ge=-MAX_AMOUNT_CENTS, le=MAX_AMOUNT_CENTS)]
    # A retry with the same key and the same body counts once and answers what the first request
    # stored; the same key with another body is refused (409). Keys are yours alone: they are
    # scoped to you, the unit and the envelope.
    idempotency_key: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None


class PledgeOut(msgspec.Struct, frozen=True):
    envelope_id: int
    challenge_id: int
    unit: str
    source: str
    amount_cents: int  # what this request stored (a retry: what its first request stored)
    replayed: bool = False  # a retry of a request already honoured: nothing new was stored
    # The write's receipt in the envelope's chain, "XXXX-XXXX-XXXX-XXXX" (a retry: the first
    # request's); check it at GET /api/envelopes/{id}/receipts/{receipt} (issue 20).
    receipt: str = ""
