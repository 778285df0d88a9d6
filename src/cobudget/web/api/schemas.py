"""The API's response schemas (msgspec; Litestar describes them in the OpenAPI document).

Field names are English; money is in integer cents (`*_cents`); datetimes are ISO 8601 with
their offset. They are filled from the same queries as the pages (`as_schema`), so the API
shows what a page shows, no more.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget.web.api.pagination import Paged


class NetworkOut(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    region: str
    description: str
    is_public: bool
    lieu_count: int


class CofunderOut(msgspec.Struct, frozen=True):
    id: int
    name: str
    kind: str
    description: str


class NetworkDetail(NetworkOut, frozen=True):
    cofunders: list[CofunderOut]
    coordinators: list[str]  # names


class LieuOut(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    town: str
    legal_form: str
    territory: str
    description: str


class NetworkLieuOut(LieuOut, frozen=True):
    weight: int  # its weight in the network, which shares drawing rights


class NetworkRefOut(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    region: str
    is_public: bool


class LieuDetail(LieuOut, frozen=True):
    website: str
    address: str  # postal address, may be empty
    contact_email: str  # public contact, may be empty
    contact_phone: str  # public contact, may be empty
    people_count: int
    networks: list[NetworkRefOut]  # those of its networks the reader may see
    # Its picture, served at /documents/{picture_id} (issue 17), if it has one.
    picture_id: int | None = None


class LieuRefOut(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str


class BudgetLineOut(msgspec.Struct, frozen=True):
    id: int | None
    label: str
    min_cents: int
    max_cents: int


class VersionOut(msgspec.Struct, frozen=True):
    number: int
    title: str
    problem: str
    commons: str
    users: str
    licence: str
    requested_cents: int | None
    budget_lines: list[BudgetLineOut]
    total_min_cents: int
    total_max_cents: int
    published_at: dt.datetime | None


class VersionRefOut(msgspec.Struct, frozen=True):
    number: int
    published_at: dt.datetime | None


class ConcernOut(msgspec.Struct, frozen=True):
    lieu: LieuRefOut
    note: str
    declared_at: dt.datetime


class ChallengeSummaryOut(msgspec.Struct, frozen=True):
    id: int
    title: str
    lieu: LieuRefOut  # the proposing lieu
    version: int  # the current version's number
    total_min_cents: int
    total_max_cents: int
    concerned_count: int
    # draft | diagnosis | to_amend | consented | funded | reported | withdrawn (docs/api.md)
    status: str
    withdrawn: bool = False  # by its proposing lieu (issue 17)


class ChallengeOut(msgspec.Struct, frozen=True):
    id: int
    network_id: int
    is_draft: bool  # a draft is shown to its proposers only
    version: VersionOut  # the current version (the draft, for a draft)
    proposers: list[LieuRefOut]
    pending_co_proposers: list[LieuRefOut]
    concerned: list[ConcernOut]  # lieux that said « nous aussi »
    versions: list[VersionRefOut]  # the published ones
    # Its picture, served at /documents/{picture_id} (issue 17), if it has one.
    picture_id: int | None = None
    # Withdrawn by its proposing lieu (issue 17): when and why; it keeps its history.
    withdrawn_at: dt.datetime | None = None
    withdrawal_reason: str = ""


class PositionOut(msgspec.Struct, frozen=True):
    lieu_id: int
    lieu_name: str
    kind: str  # consent, concern or objection
    text: str
    criterion: str | None
    taken_at: dt.datetime
    answer: str | None  # how a later version answers this objection
    criterion_id: int | None = None


class QuestionOut(msgspec.Struct, frozen=True):
    id: int
    lieu_name: str
    text: str
    answer: str


class CommentOut(msgspec.Struct, frozen=True):
    id: int
    author: str
    lieu_name: str | None
    criterion: str | None
    text: str | None  # null once a coordinator hid it
    hidden_reason: str


class RoundOut(msgspec.Struct, frozen=True):
    id: int
    version: int
    opened_at: dt.datetime
    deadline: dt.datetime
    quorum: int
    outcome: str
    is_open: bool
    positions: list[PositionOut]  # the standing position of each lieu
    questions: list[QuestionOut]
    comments: list[CommentOut]
    quorum_missed: bool = False  # closed with fewer standing positions than the quorum


class NetworkPage(Paged, frozen=True):
    items: list[NetworkOut]


class NetworkLieuPage(Paged, frozen=True):
    items: list[NetworkLieuOut]


class ChallengeSummaryPage(Paged, frozen=True):
    items: list[ChallengeSummaryOut]


class VersionRefPage(Paged, frozen=True):
    items: list[VersionRefOut]


class RoundPage(Paged, frozen=True):
    items: list[RoundOut]


class NeedOut(msgspec.Struct, frozen=True):
    """A lieu's need (SPEC §5): amounts are a rough range (either end may be null); the horizon
    is in years from `created_at`; `joined` are the lieux that said « nous aussi »."""

    id: int
    network_id: int
    lieu: LieuRefOut
    title: str
    lacks: str
    commons: str
    min_cents: int | None
    max_cents: int | None
    theme: str
    horizon_years: int
    created_at: dt.datetime
    updated_at: dt.datetime
    challenge_id: int | None  # the challenge it became
    joined: list[LieuRefOut]


class NeedPage(Paged, frozen=True):
    items: list[NeedOut]
