"""Piccolo tables: the only description of what is stored.

Each table gets an integer `id` primary key from Piccolo; `id: Serial` only tells mypy so (an
annotation, not a column: Piccolo adds the column itself). Times are UTC (`Timestamptz`).
Nothing here holds a rule: the services decide, these tables keep.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

from cobudget.db.joins import use_known_references


class User(Table, tablename="app_user"):
    id: Serial
    email = Varchar(length=254, unique=True, index=True)
    name = Varchar(length=120)
    password_hash = Varchar(length=255)
    is_site_admin = Boolean(default=False)
    created_at = Timestamptz()
    # The language of the emails this person receives: set by the language switch when logged
    # in, and at sign-up from the language the page was read in.
    locale = Varchar(length=5, default="fr")
    # Set when the person deleted their account (issue 17): the row stays, because what they
    # wrote references it, but its name is emptied, its email a placeholder that is no address
    # and its password hash unusable; pages show « ancien membre » in their place.
    deleted_at = Timestamptz(null=True, default=None)


class Network(Table):
    id: Serial
    slug = Varchar(length=80, unique=True, index=True)
    name = Varchar(length=120, unique=True)
    region = Varchar(length=120, default="")
    description = Text(default="")
    is_public = Boolean(default=True)
    created_at = Timestamptz()
    # How many distinct lieux must take a position for a consent round to count (SPEC §5).
    quorum = Integer(default=3)


class Coordinator(Table):
    id: Serial
    network = ForeignKey(references=Network, index=True)
    user = ForeignKey(references=User, index=True)


class Lieu(Table):
    id: Serial
    slug = Varchar(length=80, unique=True, index=True)
    name = Varchar(length=120)
    town = Varchar(length=120, default="")
    legal_form = Varchar(length=20, default="association")
    territory = Varchar(length=120, default="")
    description = Text(default="")
    website = Varchar(length=300, default="")
    created_at = Timestamptz()
    # The public profile (issue 17): a postal address and a public contact, each optional.
    address = Text(default="")
    contact_email = Varchar(length=254, default="")
    contact_phone = Varchar(length=30, default="")


class NetworkLieu(Table):
    """A lieu's membership of a network, with its weight for drawing rights (SPEC §6)."""

    id: Serial
    network = ForeignKey(references=Network, index=True)
    lieu = ForeignKey(references=Lieu, index=True)
    weight = Integer(default=1)
    joined_at = Timestamptz()


class Membership(Table):
    """A person belonging to a lieu; `is_admin` makes them a lieu admin (SPEC §2)."""

    id: Serial
    user = ForeignKey(references=User, index=True)
    lieu = ForeignKey(references=Lieu, index=True)
    is_admin = Boolean(default=False)


class CofundingOrg(Table):
    id: Serial
    network = ForeignKey(references=Network, index=True)
    name = Varchar(length=120)
    kind = Varchar(length=20, default="collectivite")
    description = Text(default="")
    created_at = Timestamptz()


class CofunderPerson(Table):
    id: Serial
    user = ForeignKey(references=User, index=True)
    org = ForeignKey(references=CofundingOrg, index=True)


class Invitation(Table):
    """An email invitation; only the SHA-256 of its token is stored."""

    id: Serial
    token_hash = Varchar(length=64, unique=True, index=True)
    kind = Varchar(length=20)  # lieu_admin | member | cofunder | coordinator
    email = Varchar(length=254)
    network = ForeignKey(references=Network, null=True)
    lieu = ForeignKey(references=Lieu, null=True)
    org = ForeignKey(references=CofundingOrg, null=True)
    invited_by = ForeignKey(references=User, null=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)


class PasswordReset(Table):
    id: Serial
    token_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(references=User, index=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class EmailChange(Table):
    """A change of email asked by a logged-in person (issue 17), confirmed by the link sent to the
    new address; only the SHA-256 of the link's token is stored. Until then the old email stays."""

    id: Serial
    token_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(references=User, index=True)
    new_email = Varchar(length=254)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class WebSession(Table, tablename="web_session"):
    """A logged-in session, shared by every app process and kept across restarts.

    Only the SHA-256 of the cookie's token is stored; a new token is made at each login.
    """

    id: Serial
    key_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(references=User, index=True)
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)


class LoginAttempt(Table):
    """An attempt counted by a rate limit (services/limits.py): a login, reserved as a failure
    until the password proves right, per account and per client address; a reset request, an
    invitation, a sign-up. `key` names the limit and what it counts (`account:<email>`)."""

    id: Serial
    key = Varchar(length=300, index=True, index_method=IndexMethod.btree)
    at = Timestamptz(index=True)


class OutboxMessage(Table):
    """An email written in the same transaction as the action that causes it (SPEC §8)."""

    id: Serial
    to_address = Varchar(length=254)
    subject = Varchar(length=300)
    body = Text()
    created_at = Timestamptz()
    status = Varchar(length=10, default="pending", index=True)  # pending | sent | failed
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    claimed_until = Timestamptz(null=True, default=None)
    # The token of the worker that holds the claim: it marks the message sent only if the
    # token is still its own (services/outbox.py).
    claim_token = Varchar(length=32, null=True, default=None)
    last_error = Text(default="")
    sent_at = Timestamptz(null=True, default=None)
    # What the message is about (e.g. "envelope:12:funding"), so a later move of the calendar
    # can reschedule a message that waits for a date.
    topic = Varchar(length=100, null=True, default=None, index=True)
    # The one-click unsubscribe address of a notification email (RFC 8058), sent as its
    # `List-Unsubscribe` header; null for the emails one cannot unsubscribe from.
    unsubscribe_url = Varchar(length=500, null=True, default=None)


class Notification(Table):
    """Something a person is told (services/notifications.py), kept so it can be listed: its
    kind, what its sentence needs (`params`), where to act (`path`), and whether it went or
    waits for the daily digest. `key` names an event that must be told once whoever notices it
    (a reminder, a round that closed at its deadline): unique per person (an index made by a
    migration), so two workers noticing it at once store it once."""

    id: Serial
    user = ForeignKey(references=User, index=True)
    kind = Varchar(length=40)
    params = JSON(default={})
    path = Varchar(length=300, default="/")
    created_at = Timestamptz(index=True)
    # now | daily | never: the person's choice for this kind when it was made.
    delivery = Varchar(length=10, default="now")
    # When it went out in a daily digest (null while it waits, or if it was not to be digested).
    digested_at = Timestamptz(null=True, default=None)
    key = Varchar(length=200, null=True, default=None)


class NotificationPreference(Table):
    """How a person wants one kind of notification: now, daily (a digest) or never. No row
    means « now ». One row per person and kind (a unique index made by a migration)."""

    id: Serial
    user = ForeignKey(references=User, index=True)
    kind = Varchar(length=40)
    mode = Varchar(length=10, default="now")


class AuditEntry(Table):
    """Append-only log of every change: who, what, when, before and after."""

    id: Serial
    at = Timestamptz(index=True)
    actor = ForeignKey(references=User, null=True)
    action = Varchar(length=80)
    entity = Varchar(length=40)
    entity_id = Integer(null=True, default=None)
    network = ForeignKey(references=Network, null=True, index=True)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)


class Criterion(Table):
    """A diagnosis criterion of a network (SPEC §5), e.g. « ancrage territorial »."""

    id: Serial
    network = ForeignKey(references=Network, index=True)
    name = Varchar(length=120)
    description = Text(default="")
    position = Integer(default=0)


class Challenge(Table):
    """A commons challenge raised by a lieu in a network; what it says lives in its versions.

    `current_version` is the number of the latest published version (0 while only a draft).
    `withdrawn_at` is set when its proposers withdraw it, with their reason; it is never deleted.
    """

    id: Serial
    network = ForeignKey(references=Network, index=True)
    lieu = ForeignKey(references=Lieu, index=True)
    created_by = ForeignKey(references=User, null=True)
    created_at = Timestamptz()
    current_version = Integer(default=0)
    # Withdrawn by its proposers (issue 17): it keeps its versions, rounds and positions.
    withdrawn_at = Timestamptz(null=True, default=None)
    withdrawal_reason = Text(default="")


class ChallengeVersion(Table):
    """One version of a challenge; a draft (published_at null) is edited in place, a published
    version never changes."""

    id: Serial
    challenge = ForeignKey(references=Challenge, index=True)
    number = Integer()
    title = Varchar(length=200)
    problem = Text()
    commons = Text()
    users = Text(default="")
    licence = Varchar(length=40, default="etalab-2.0")
    requested_cents = BigInt(null=True, default=None)
    created_by = ForeignKey(references=User, null=True)
    created_at = Timestamptz()
    published_at = Timestamptz(null=True, default=None)


class BudgetLine(Table):
    id: Serial
    version = ForeignKey(references=ChallengeVersion, index=True)
    label = Varchar(length=200)
    min_cents = BigInt()
    max_cents = BigInt()
    position = Integer(default=0)


class CoProposer(Table):
    """A lieu asked to co-propose a challenge; it counts as a proposer once it accepted."""

    id: Serial
    challenge = ForeignKey(references=Challenge, index=True)
    lieu = ForeignKey(references=Lieu, index=True)
    invited_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)


class ConcernedLieu(Table):
    """A lieu that says « nous aussi »: the challenge's problem is its problem too."""

    id: Serial
    challenge = ForeignKey(references=Challenge, index=True)
    lieu = ForeignKey(references=Lieu, index=True)
    note = Text(default="")
    declared_by = ForeignKey(references=User, null=True)
    declared_at = Timestamptz()


class Need(Table):
    """What a lieu lacks for the next one to three years, before any envelope (SPEC §5).

    Published in one network (the one whose lieux see it and may say « nous aussi »). Archived
    by its lieu rather than deleted: it leaves the lists, the record stays (exports, audit, the
    challenge it became). `challenge` is set when its lieu turns it into a challenge.
    """

    id: Serial
    network = ForeignKey(references=Network, index=True)
    lieu = ForeignKey(references=Lieu, index=True)
    title = Varchar(length=200)
    lacks = Text(default="")
    commons = Text(default="")
    min_cents = BigInt(null=True, default=None)
    max_cents = BigInt(null=True, default=None)
    theme = Varchar(length=20)
    horizon_years = Integer(default=1)
    # Who wrote it: the need is the lieu's, and stays when that person's account goes.
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    archived_at = Timestamptz(null=True, default=None)
    challenge = ForeignKey(references=Challenge, null=True, default=None)


class NeedJoin(Table):
    """Another lieu of the network says « nous aussi » to a need: one row per lieu and need (a
    unique index), deleted when the lieu withdraws it."""

    id: Serial
    need = ForeignKey(references=Need, index=True)
    lieu = ForeignKey(references=Lieu, index=True)
    declared_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    declared_at = Timestamptz()


class ConsentRound(Table):
    """A round of peer diagnosis on one version of a challenge (SPEC §5). Its outcome is not
    stored: it follows from the dates and the positions whenever it is read."""

    id: Serial
    challenge = ForeignKey(references=Challenge, index=True)
    version = Integer()
    opened_at = Timestamptz()
    deadline = Timestamptz()
    quorum = Integer()
    closed_at = Timestamptz(null=True, default=None)
    opened_by = ForeignKey(references=User, null=True)
    closed_by = ForeignKey(references=User, null=True)


class RoundPosition(Table):
    """One entry of a lieu's position history in a round: the latest entry stands (a withdrawal
    is an entry too), so changes are never lost.

    `number`: the entry's place in the lieu's history in the round (1, 2, 3…), unique per round
    and lieu (an index made by a migration): one standing position per lieu and round, and two
    changes written at once from the same history cannot both be stored."""

    id: Serial
    round = ForeignKey(references=ConsentRound, index=True)
    lieu = ForeignKey(references=Lieu, index=True)
    number = Integer(default=1)
    kind = Varchar(length=20)
    text = Text(default="")
    criterion = ForeignKey(references=Criterion, null=True, on_delete=OnDelete.set_null)
    withdrawn = Boolean(default=False)
    taken_by = ForeignKey(references=User, null=True)
    taken_at = Timestamptz()


class RoundQuestion(Table):
    id: Serial
    round = ForeignKey(references=ConsentRound, index=True)
    lieu = ForeignKey(references=Lieu)
    asked_by = ForeignKey(references=User, null=True)
    text = Text()
    asked_at = Timestamptz()
    answer = Text(default="")
    answered_by = ForeignKey(references=User, null=True)
    answered_at = Timestamptz(null=True, default=None)


class RoundComment(Table):
    """A reaction during a round, per criterion where the network has criteria; a coordinator
    can hide an abusive one (the text stays, with the reason, in the audit log)."""

    id: Serial
    round = ForeignKey(references=ConsentRound, index=True)
    author = ForeignKey(references=User, null=True)
    lieu = ForeignKey(references=Lieu, null=True)
    criterion = ForeignKey(references=Criterion, null=True, on_delete=OnDelete.set_null)
    text = Text()
    created_at = Timestamptz()
    hidden_at = Timestamptz(null=True, default=None)
    hidden_reason = Text(default="")


class ObjectionAnswer(Table):
    """How a new version answers an objection of the previous round."""

    id: Serial
    round = ForeignKey(references=ConsentRound, index=True)
    lieu = ForeignKey(references=Lieu)
    version = Integer()
    text = Text()
    answered_by = ForeignKey(references=User, null=True)
    answered_at = Timestamptz()


class DiscussionComment(Table):
    """A comment in a challenge's discussion (issue 16), open on every published challenge.

    Written for a lieu (`lieu`), a co-funding organisation (`org`) or, by a coordinator, in
    their own name (both empty); optionally about a version (its number) and a criterion.
    `thread`: the first comment of the thread a reply belongs to (one level of replies), empty
    for a first comment. A coordinator hides an abusive one with a reason shown to everyone;
    its text stays in the row and in the audit log."""

    id: Serial
    challenge = ForeignKey(references=Challenge, index=True)
    thread: ForeignKey[DiscussionComment] = ForeignKey(references="self", null=True, index=True)
    author = ForeignKey(references=User, null=True)
    lieu = ForeignKey(references=Lieu, null=True)
    org = ForeignKey(references=CofundingOrg, null=True)
    version = Integer(null=True, default=None)
    criterion = ForeignKey(references=Criterion, null=True, on_delete=OnDelete.set_null)
    text = Text()
    created_at = Timestamptz()
    hidden_at = Timestamptz(null=True, default=None)
    hidden_by = ForeignKey(references=User, null=True)
    hidden_reason = Text(default="")


class DiscussionFlag(Table):
    """A person flags a discussion comment for the coordinators, once (a unique index made by
    a migration: a second flag of the same person is not counted)."""

    id: Serial
    comment = ForeignKey(references=DiscussionComment, index=True)
    flagged_by = ForeignKey(references=User)
    flagged_at = Timestamptz()


class Envelope(Table):
    """An amount a network puts up for one budget round (SPEC §4), with its calendar and rule.

    The phase is not stored: it follows from the calendar (`domain.lifecycle`). Everything but
    the calendar is frozen once the envelope is open.
    """

    id: Serial
    network = ForeignKey(references=Network, index=True)
    title = Varchar(length=200)
    amount_cents = BigInt()
    rule = Varchar(length=20, default="cofunding")
    min_cofunders = Integer(default=2)
    own_challenge_cap_pct = Integer(default=50)
    support = Varchar(length=20, default="approval")
    utility = Varchar(length=20, default="cost")
    eligible_forms = JSON(default=["association", "scic", "scop", "public", "other"])
    quorum = Integer(default=3)
    hide_pledges = Boolean(default=False)
    proposals_from = Timestamptz()
    diagnosis_from = Timestamptz()
    funding_from = Timestamptz()
    funding_until = Timestamptz()
    diagnosis_during_funding = Boolean(default=True)
    opened_at = Timestamptz(null=True, default=None)
    settled_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(references=User, null=True)
    created_at = Timestamptz()
    # A next round (SPEC §4): the settled envelope it follows, and which of that envelope's
    # unfunded challenges the coordinator carried into it (the others stay out).
    previous_envelope = Integer(null=True, default=None)
    carried_challenges = JSON(default=[])


class EnvelopeLieu(Table):
    """A lieu taking part in an envelope, with its weight for drawing rights (default 1)."""

    id: Serial
    envelope = ForeignKey(references=Envelope, index=True)
    lieu = ForeignKey(references=Lieu, index=True)
    weight = Integer(default=1)


class Pledge(Table):
    """Money promised to a challenge of an envelope by a lieu (from its drawing rights or own
    funds) or by a co-funding organisation (own funds). One row per contributor, challenge and
    source: changing a pledge updates it, withdrawing sets it to 0 (SPEC §4).

    When another envelope funds the challenge, the pledge is released: its amount moves to
    `released_cents`, with the envelope that funded it, so the contributor sees why its money
    came back (SPEC §4)."""

    id: Serial
    envelope = ForeignKey(references=Envelope, index=True)
    challenge = ForeignKey(references=Challenge, index=True)
    lieu = ForeignKey(references=Lieu, null=True, index=True)
    org = ForeignKey(references=CofundingOrg, null=True)
    source = Varchar(length=20)
    amount_cents = BigInt(default=0)
    pledged_by = ForeignKey(references=User, null=True)
    updated_at = Timestamptz()
    released_cents = BigInt(default=0)
    released_for = ForeignKey(references=Envelope, null=True, default=None)
    released_at = Timestamptz(null=True, default=None)


class PledgeRequest(Table):
    """An idempotency key already honoured, so that a pledge request retried after a timeout
    counts once.

    `key` is the SHA-256 of who speaks (person, unit, envelope) and the key they sent, so one
    person's key never answers for another unit; `request_hash` is the SHA-256 of the request's
    body, so the same key with another body is refused instead of silently ignored; and
    `amount_cents` is what the first request stored, which a retry answers again."""

    id: Serial
    key = Varchar(length=100, unique=True, index=True)
    pledge = ForeignKey(references=Pledge, null=True)
    at = Timestamptz()
    request_hash = Varchar(length=64, default="")
    amount_cents = BigInt(default=0)
    # The receipt of the first request (issue 20), which a retry answers again.
    receipt = Varchar(length=16, default="")


class Support(Table):
    """A lieu's approval of (points 1) or points given to a challenge of an `equal_shares`
    envelope; withdrawing deletes the row (SPEC §6.2)."""

    id: Serial
    envelope = ForeignKey(references=Envelope, index=True)
    lieu = ForeignKey(references=Lieu, index=True)
    challenge = ForeignKey(references=Challenge, index=True)
    points = Integer(default=1)
    given_by = ForeignKey(references=User, null=True)
    updated_at = Timestamptz()


class Receipt(Table):
    """One acknowledged write that moved money or support in an envelope (issue 20): its place
    in the envelope's chain (`seq`, dense and unique per envelope by an index made by a
    migration), the record's canonical bytes exactly as hashed, the full hash and the 16
    characters of the receipt people keep (`engine.receipts`). Written in the write's own
    transaction, never changed."""

    id: Serial
    envelope = ForeignKey(references=Envelope, index=True)
    seq = Integer()
    at = Timestamptz()
    kind = Varchar(length=10)
    lieu = ForeignKey(references=Lieu, null=True, index=True)
    org = ForeignKey(references=CofundingOrg, null=True)
    challenge = Integer()
    source = Varchar(length=20)
    amount = BigInt()
    hash = Varchar(length=64)
    code = Varchar(length=16)
    record = Text()


class ReceiptHead(Table):
    """The end of an envelope's chain of receipts: one row per envelope, held for update by
    the write that appends, so that two writes never take the same number."""

    id: Serial
    envelope = ForeignKey(references=Envelope, unique=True)
    writes = Integer(default=0)
    head = Varchar(length=64)


class SettlementRecord(Table):
    """The published settlement of an envelope: the canonical inputs, the settlement bytes and
    their digest, written once and never updated (SPEC §4). The unique envelope makes settling
    twice impossible, even for two coordinators clicking at the same moment."""

    id: Serial
    envelope = ForeignKey(references=Envelope, unique=True, index=True)
    inputs = Text()
    settlement = Text()
    digest = Varchar(length=64)
    settled_by = ForeignKey(references=User, null=True)
    settled_at = Timestamptz()


class Report(Table):
    """What the proposers of a funded challenge say they did with the money (SPEC §7).

    `status`: draft (the proposers' only) → published → validated, or changes_requested (with
    the coordinator's comment) → published again. `delivery`: in_progress or delivered.
    `period`: the reports of one funded challenge in one envelope are numbered 1, 2, 3…; one
    report per period (a unique index on envelope, challenge and period, made by a migration),
    and the next period starts only once the last report is validated (docs/follow-up.md).
    """

    id: Serial
    envelope = ForeignKey(references=Envelope, index=True)
    challenge = ForeignKey(references=Challenge, index=True)
    period = Integer(default=1)
    status = Varchar(length=20, default="draft")
    delivery = Varchar(length=20, default="in_progress")
    progress = Text(default="")
    created_by = ForeignKey(references=User, null=True)
    created_at = Timestamptz()
    published_at = Timestamptz(null=True, default=None)
    reviewed_by = ForeignKey(references=User, null=True)
    reviewed_at = Timestamptz(null=True, default=None)
    review_comment = Text(default="")


class ReportSpending(Table):
    """Money spent against one budget line of the funded version, with its receipt reference.

    `paid_from`: envelope (the money the challenge received) or own_funds (the lieu's own money,
    declared apart); a report has at most one row per budget line and source."""

    id: Serial
    report = ForeignKey(references=Report, index=True)
    budget_line = ForeignKey(references=BudgetLine)
    amount_cents = BigInt()
    receipt = Varchar(length=200, default="")
    paid_from = Varchar(length=20, default="envelope")


class Deliverable(Table):
    """Something the challenge produced, under a free licence."""

    id: Serial
    report = ForeignKey(references=Report, index=True)
    title = Varchar(length=200)
    url = Varchar(length=500)
    licence = Varchar(length=40, default="etalab-2.0")
    position = Integer(default=0)


class Document(Table):
    """A file kept in the documents folder (services/documents.py): a receipt of a report (of
    one of its budget lines, or of the report as a whole), or the picture of a challenge or of a
    lieu; `kind` says which, and the one foreign key that goes with it is set.

    The file on disk is named `storage_key` (random, never the sender's name); `name` is the
    sender's name made safe, shown and offered at download; `content_type` the type checked
    from the content. A row never exists without its file: the file is written first, the row
    after; a file without a row is swept (`cobudget documents-sweep`)."""

    id: Serial
    kind = Varchar(length=20)
    report = ForeignKey(references=Report, null=True, index=True)
    budget_line = ForeignKey(references=BudgetLine, null=True)
    challenge = ForeignKey(references=Challenge, null=True, index=True)
    lieu = ForeignKey(references=Lieu, null=True, index=True)
    storage_key = Varchar(length=64, unique=True)
    name = Varchar(length=200)
    content_type = Varchar(length=40)
    size_bytes = Integer()
    sha256 = Varchar(length=64)
    uploaded_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


ALL_TABLES: tuple[type[Table], ...] = (
    User,
    Network,
    Coordinator,
    Lieu,
    NetworkLieu,
    Membership,
    CofundingOrg,
    CofunderPerson,
    Invitation,
    PasswordReset,
    EmailChange,
    WebSession,
    LoginAttempt,
    OutboxMessage,
    Notification,
    NotificationPreference,
    AuditEntry,
    Criterion,
    Challenge,
    ChallengeVersion,
    BudgetLine,
    CoProposer,
    ConcernedLieu,
    Need,
    NeedJoin,
    ConsentRound,
    RoundPosition,
    RoundQuestion,
    RoundComment,
    ObjectionAnswer,
    DiscussionComment,
    DiscussionFlag,
    Envelope,
    EnvelopeLieu,
    Pledge,
    PledgeRequest,
    Support,
    Receipt,
    ReceiptHead,
    SettlementRecord,
    Report,
    ReportSpending,
    Deliverable,
    Document,
)

# Joined columns are built without Piccolo's `dir()` on every attribute (db/joins.py).
use_known_references(ALL_TABLES)
