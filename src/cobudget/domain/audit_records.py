"""What an audit record names (issue 18): the ids each kind of record keeps, where, so a page of
the journal reads every name it shows in bulk (one query per kind of thing for the whole page,
never one per entry), and the names read, as the sentences of `web/journal.py` use them.

Pure: stdlib only. The services write the records (`services/audit.py`); this module only
knows their shape: `lieu_id`, `challenge_id`, … in `after` or `before`, or the entity itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Anchors: records that name a thing of a challenge (a round, a comment…) rather than the
# challenge; the page reads which challenge each belongs to before reading the names.
ROUND, COMMENT, DISCUSSION, REPORT = "round", "comment", "discussion", "report"


@dataclass(frozen=True)
class Record:
    """What the sentence is made from: one audit entry's kind, entity and payloads."""

    action: str
    entity: str
    entity_id: int | None
    before: object = None
    after: object = None

    def get(self, key: str) -> object:
        """A payload field, from `after` first, then `before`."""
        for payload in (self.after, self.before):
            if isinstance(payload, dict) and payload.get(key) is not None:
                return payload[key]
        return None

    def number(self, key: str, payload: object = None) -> int | None:
        value = payload.get(key) if isinstance(payload, dict) else self.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def text(self, key: str) -> str:
        value = self.get(key)
        return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Wanted:
    """The ids a page of records names, by kind of thing, to read in bulk."""

    lieux: set[int] = field(default_factory=set)
    orgs: set[int] = field(default_factory=set)
    users: set[int] = field(default_factory=set)
    envelopes: set[int] = field(default_factory=set)
    challenges: set[int] = field(default_factory=set)
    needs: set[int] = field(default_factory=set)
    anchors: set[tuple[str, int]] = field(default_factory=set)


@dataclass(frozen=True)
class Names:
    """The names the records point to (a missing one reads « n° 12 »); `anchors` maps a round,
    comment, discussion message or report to its challenge, `periods` a report to its period."""

    lieux: Mapping[int, str] = field(default_factory=dict)
    orgs: Mapping[int, str] = field(default_factory=dict)
    users: Mapping[int, str] = field(default_factory=dict)
    envelopes: Mapping[int, str] = field(default_factory=dict)
    challenges: Mapping[int, str] = field(default_factory=dict)
    needs: Mapping[int, str] = field(default_factory=dict)
    anchors: Mapping[tuple[str, int], int] = field(default_factory=dict)
    periods: Mapping[int, int] = field(default_factory=dict)


ENTITY_ANCHOR = {"round": ROUND, "comment": COMMENT, "discussion_comment": DISCUSSION}


def wanted(records: Iterable[Record]) -> Wanted:
    """Every id the records name, wherever their kind keeps it."""
    want = Wanted()
    for r in records:
        for key in ("lieu_id", "lieu"):
            if (lieu := r.number(key)) is not None:
                want.lieux.add(lieu)
        pairs = (
            ("org_id", want.orgs),
            ("user_id", want.users),
            ("challenge_id", want.challenges),
            ("envelope_id", want.envelopes),
            ("funded_by_envelope_id", want.envelopes),
            ("previous_envelope", want.envelopes),
        )
        for key, ids in pairs:
            if (value := r.number(key)) is not None:
                ids.add(value)
        if r.entity_id is None:
            continue
        by_entity = {
            "lieu": want.lieux,
            "cofunding_org": want.orgs,
            "envelope": want.envelopes,
            "challenge": want.challenges,
            "need": want.needs,
        }
        if r.entity in by_entity:
            by_entity[r.entity].add(r.entity_id)
        elif r.entity in ENTITY_ANCHOR and r.number("challenge_id") is None:
            want.anchors.add((ENTITY_ANCHOR[r.entity], r.entity_id))
        elif r.entity == "report":
            want.anchors.add((REPORT, r.entity_id))
    return want
