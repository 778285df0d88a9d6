"""Load who is asking, with the roles the permission policy needs (SPEC §2).

Every logged-in request needs its actor, so the session, the person and each of their roles
(coordinator of, member and admin of, co-funder of) come in one statement, a UNION over the
role tables: five queries a request made a logged-in home page three times slower than a
visitor's (issue 15)."""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget.db.rows import typed
from cobudget.db.tables import User
from cobudget.domain.permissions import VISITOR, Actor
from cobudget.services.clock import now
from cobudget.services.tokens import token_hash

# Each row is one fact about the person: `user` (flag: site admin) first, then one row per
# network coordinated, per lieu (flag: admin of it), per co-funding organisation. `who` is the
# person's id, from the session or given.
_ROLES = """
SELECT 'user' AS kind, app_user.id AS ref, app_user.is_site_admin AS flag
  FROM app_user JOIN who ON app_user.id = who.id
UNION ALL
SELECT 'coordinator', coordinator.network, FALSE
  FROM coordinator JOIN who ON coordinator."user" = who.id
UNION ALL
SELECT 'member', membership.lieu, membership.is_admin
  FROM membership JOIN who ON membership."user" = who.id
UNION ALL
SELECT 'cofunder', cofunder_person.org, FALSE
  FROM cofunder_person JOIN who ON cofunder_person."user" = who.id
"""

# A session counts until its expiry (the same instant included); a logged-out or revoked
# session has no row.
_OF_SESSION = (
    'WITH who AS (SELECT web_session."user" AS id FROM web_session'
    " WHERE web_session.key_hash = {} AND web_session.expires_at >= {})" + _ROLES
)
_OF_USER = "WITH who AS (SELECT app_user.id AS id FROM app_user WHERE app_user.id = {})" + _ROLES


class _Fact(msgspec.Struct, frozen=True):
    kind: str
    ref: int
    flag: bool


async def session_actor(token: str | None, moment: dt.datetime | None = None) -> Actor:
    """The actor of a session cookie's token: the visitor when there is none, or it is
    unknown, expired, or was closed."""
    if not token:
        return VISITOR
    return _actor(await User.raw(_OF_SESSION, token_hash(token), moment or now()))


async def load_actor(user_id: int | None) -> Actor:
    """The actor of a person known by id (the visitor for None or an unknown id)."""
    if user_id is None:
        return VISITOR
    return _actor(await User.raw(_OF_USER, user_id))


def _actor(rows: list[dict[str, object]]) -> Actor:
    facts = typed(rows, _Fact)
    person = next((fact for fact in facts if fact.kind == "user"), None)
    if person is None:
        return VISITOR
    return Actor(
        user_id=person.ref,
        is_site_admin=person.flag,
        coordinator_of=frozenset(f.ref for f in facts if f.kind == "coordinator"),
        member_of=frozenset(f.ref for f in facts if f.kind == "member"),
        lieu_admin_of=frozenset(f.ref for f in facts if f.kind == "member" and f.flag),
        cofunder_of=frozenset(f.ref for f in facts if f.kind == "cofunder"),
    )
