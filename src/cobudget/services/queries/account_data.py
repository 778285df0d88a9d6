"""Everything kept about one person, as one JSON document they download (issue 17, RGPD article
20): their profile, roles, notifications and choices, what they wrote and did.

One query per kind of thing, each capped at `MAX_ROWS` rows (oldest first) and marked
`truncated` when the cap was reached: a real person stays far below it, and no request reads
without bound.
"""

from __future__ import annotations

from typing import Any

import msgspec
from piccolo.columns import Column
from piccolo.table import Table

from cobudget.db.tables import (
    AuditEntry,
    Challenge,
    ChallengeVersion,
    CofunderPerson,
    ConcernedLieu,
    ConsentRound,
    Coordinator,
    DiscussionComment,
    DiscussionFlag,
    Document,
    EmailChange,
    Envelope,
    Invitation,
    Membership,
    Need,
    NeedJoin,
    Notification,
    NotificationPreference,
    ObjectionAnswer,
    PasswordReset,
    Pledge,
    Report,
    RoundComment,
    RoundPosition,
    RoundQuestion,
    SettlementRecord,
    Support,
    User,
    WebSession,
)
from cobudget.domain.errors import LoginRequired
from cobudget.domain.permissions import Actor
from cobudget.services.clock import now

MAX_ROWS = 5_000
FORMAT = "cobudget-account-data/1"


def _sections() -> list[tuple[str, type[Table], Column, tuple[Any, ...]]]:
    """(name, table, the column that names the person, the columns given)."""
    return [
        ("memberships", Membership, Membership.user, (
            Membership.lieu, Membership.lieu.name.as_alias("lieu_name"), Membership.is_admin,
        )),
        ("coordinator_of", Coordinator, Coordinator.user, (
            Coordinator.network, Coordinator.network.name.as_alias("network_name"),
        )),
        ("cofunder_of", CofunderPerson, CofunderPerson.user, (
            CofunderPerson.org, CofunderPerson.org.name.as_alias("org_name"),
        )),
        ("pending_email_changes", EmailChange, EmailChange.user, (
            EmailChange.new_email, EmailChange.created_at, EmailChange.expires_at,
            EmailChange.used_at,
        )),
        ("notification_preferences", NotificationPreference, NotificationPreference.user, (
            NotificationPreference.kind, NotificationPreference.mode,
        )),
        ("notifications", Notification, Notification.user, (
            Notification.kind, Notification.params, Notification.path, Notification.created_at,
            Notification.delivery, Notification.digested_at,
        )),
        ("challenges_created", Challenge, Challenge.created_by, (
            Challenge.id, Challenge.network, Challenge.lieu, Challenge.created_at,
        )),
        ("challenge_versions_written", ChallengeVersion, ChallengeVersion.created_by, (
            ChallengeVersion.challenge, ChallengeVersion.number, ChallengeVersion.title,
            ChallengeVersion.problem, ChallengeVersion.commons, ChallengeVersion.users,
            ChallengeVersion.licence, ChallengeVersion.created_at, ChallengeVersion.published_at,
        )),
        ("concerned_declared", ConcernedLieu, ConcernedLieu.declared_by, (
            ConcernedLieu.challenge, ConcernedLieu.lieu, ConcernedLieu.note,
            ConcernedLieu.declared_at,
        )),
        ("positions_taken", RoundPosition, RoundPosition.taken_by, (
            RoundPosition.round, RoundPosition.lieu, RoundPosition.kind, RoundPosition.text,
            RoundPosition.criterion, RoundPosition.withdrawn, RoundPosition.taken_at,
        )),
        ("questions_asked", RoundQuestion, RoundQuestion.asked_by, (
            RoundQuestion.id, RoundQuestion.round, RoundQuestion.lieu, RoundQuestion.text,
            RoundQuestion.asked_at,
        )),
        ("questions_answered", RoundQuestion, RoundQuestion.answered_by, (
            RoundQuestion.id, RoundQuestion.round, RoundQuestion.answer, RoundQuestion.answered_at,
        )),
        ("objection_answers", ObjectionAnswer, ObjectionAnswer.answered_by, (
            ObjectionAnswer.round, ObjectionAnswer.lieu, ObjectionAnswer.version,
            ObjectionAnswer.text, ObjectionAnswer.answered_at,
        )),
        ("round_comments", RoundComment, RoundComment.author, (
            RoundComment.id, RoundComment.round, RoundComment.lieu, RoundComment.text,
            RoundComment.created_at, RoundComment.hidden_at, RoundComment.hidden_reason,
        )),
        ("discussion_comments", DiscussionComment, DiscussionComment.author, (
            DiscussionComment.id, DiscussionComment.challenge, DiscussionComment.thread,
            DiscussionComment.lieu, DiscussionComment.org, DiscussionComment.version,
            DiscussionComment.text, DiscussionComment.created_at, DiscussionComment.hidden_at,
            DiscussionComment.hidden_reason,
        )),
        ("discussion_flags", DiscussionFlag, DiscussionFlag.flagged_by, (
            DiscussionFlag.comment, DiscussionFlag.flagged_at,
        )),
        ("pledges", Pledge, Pledge.pledged_by, (
            Pledge.id, Pledge.envelope, Pledge.challenge, Pledge.lieu, Pledge.org, Pledge.source,
            Pledge.amount_cents, Pledge.released_cents, Pledge.updated_at,
        )),
        ("supports", Support, Support.given_by, (
            Support.envelope, Support.lieu, Support.challenge, Support.points, Support.updated_at,
        )),
        ("reports_written", Report, Report.created_by, (
            Report.id, Report.envelope, Report.challenge, Report.period, Report.status,
            Report.progress, Report.created_at, Report.published_at,
        )),
        ("reports_reviewed", Report, Report.reviewed_by, (
            Report.id, Report.status, Report.review_comment, Report.reviewed_at,
        )),
        ("needs_published", Need, Need.created_by, (
            Need.id, Need.network, Need.lieu, Need.title, Need.lacks, Need.commons,
            Need.min_cents, Need.max_cents, Need.theme, Need.horizon_years, Need.created_at,
            Need.updated_at, Need.archived_at, Need.challenge,
        )),
        ("nous_aussi_on_needs", NeedJoin, NeedJoin.declared_by, (
            NeedJoin.need, NeedJoin.lieu, NeedJoin.declared_at,
        )),
        ("documents_uploaded", Document, Document.uploaded_by, (
            Document.id, Document.kind, Document.report, Document.budget_line,
            Document.challenge, Document.lieu, Document.name, Document.content_type,
            Document.size_bytes, Document.sha256, Document.created_at,
        )),
        # Whom they invited is the invitee's data: only the kind, the place and the dates.
        ("invitations_sent", Invitation, Invitation.invited_by, (
            Invitation.kind, Invitation.network, Invitation.lieu, Invitation.org,
            Invitation.created_at, Invitation.expires_at, Invitation.accepted_at,
        )),
        ("sessions", WebSession, WebSession.user, (
            WebSession.created_at, WebSession.expires_at,
        )),
        ("password_resets", PasswordReset, PasswordReset.user, (
            PasswordReset.created_at, PasswordReset.expires_at, PasswordReset.used_at,
        )),
        ("rounds_opened", ConsentRound, ConsentRound.opened_by, (
            ConsentRound.id, ConsentRound.challenge, ConsentRound.version,
            ConsentRound.opened_at,
        )),
        ("rounds_closed", ConsentRound, ConsentRound.closed_by, (
            ConsentRound.id, ConsentRound.challenge, ConsentRound.version,
            ConsentRound.closed_at,
        )),
        ("discussion_comments_hidden", DiscussionComment, DiscussionComment.hidden_by, (
            DiscussionComment.id, DiscussionComment.challenge, DiscussionComment.hidden_at,
            DiscussionComment.hidden_reason,
        )),
        ("envelopes_created", Envelope, Envelope.created_by, (
            Envelope.id, Envelope.network, Envelope.title, Envelope.created_at,
        )),
        ("settlements_made", SettlementRecord, SettlementRecord.settled_by, (
            SettlementRecord.envelope, SettlementRecord.digest, SettlementRecord.settled_at,
        )),
        ("audit_entries", AuditEntry, AuditEntry.actor, (
            AuditEntry.at, AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
            AuditEntry.network,
        )),
    ]  # fmt: skip


async def account_data(actor: Actor) -> bytes:
    """The person's data as JSON bytes; only for the person themselves (no one else's id is
    ever taken)."""
    if actor.user_id is None:
        raise LoginRequired("account.read")
    user_id = actor.user_id
    profile = await (
        User.select(
            User.id, User.name, User.email, User.locale, User.is_site_admin, User.created_at
        )
        .where(User.id == user_id)
        .first()
    )
    document: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": now(),
        "profile": profile,
    }
    for name, table, person, columns in _sections():
        rows = await (
            table.select(*columns)
            .where(person == user_id)
            .order_by(table._meta.primary_key)
            .limit(MAX_ROWS)
            .output(load_json=True)
        )
        document[name] = {"items": rows, "truncated": len(rows) >= MAX_ROWS}
    return msgspec.json.encode(document)
