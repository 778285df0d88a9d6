"""The coordination journal in words (issue 18): one audit record (its kind, before, after) and
the names it points to become one sentence in the reader's language.

The audit log stores what the code knows — `pledge.set`, `{"amount_cents": 35000}`, ids — so
that nothing is lost; a coordinator reads « Café Le Comptoir a porté sa contribution au défi
« Outil de réservation » de 200,00 € à 350,00 € ». This module is the one place that knows,
for each kind the services write, which ids a record names (`wanted`, so the page reads every
name in bulk, SPEC's bounded queries), which family it belongs to (the journal's filter) and
what it says (`sentence`). A kind nobody taught it says so in a generic sentence; a test lists
the kinds the services write and fails on one without its own sentence.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cobudget.domain.audit_records import ENTITY_ANCHOR, REPORT, Names, Record
from cobudget.i18n import gettext as _
from cobudget.i18n import ngettext
from cobudget.rendering import datetime_, money
from cobudget.services.queries.journal import JournalLine
from cobudget.services.queries.person_names import FORMER_MEMBER
from cobudget.web.spreadsheet import code_words


class _Say:
    """The names of one record, as a sentence writes them."""

    def __init__(self, record: Record, names: Names) -> None:
        self.r, self.n = record, names

    def _named(self, names: Mapping[int, str], ident: int | None) -> str:
        if ident is None:
            return "?"
        return names.get(ident) or _("n° %(id)s") % {"id": ident}

    def lieu(self) -> str:
        ident = self.r.number("lieu_id") or self.r.number("lieu")
        if ident is None and self.r.entity == "lieu":
            ident = self.r.entity_id
        return self._named(self.n.lieux, ident)

    def unit(self) -> str:
        """The lieu or the co-funder a pledge is of."""
        org = self.r.number("org_id")
        return self._named(self.n.orgs, org) if org is not None else self.lieu()

    def user(self) -> str:
        name = self._named(self.n.users, self.r.number("user_id"))
        return _("ancien membre") if name == FORMER_MEMBER else name

    def envelope(self, key: str = "") -> str:
        ident = self.r.number(key) if key else self.r.entity_id
        return self._named(self.n.envelopes, ident)

    def challenge_id(self) -> int | None:
        ident = self.r.number("challenge_id")
        if ident is None and self.r.entity == "challenge":
            ident = self.r.entity_id
        if ident is None and self.r.entity_id is not None:
            anchor = REPORT if self.r.entity == "report" else ENTITY_ANCHOR.get(self.r.entity)
            ident = self.n.anchors.get((anchor or "", self.r.entity_id))
        return ident

    def challenge(self) -> str:
        ident = self.challenge_id()
        title = self.n.challenges.get(ident) if ident is not None else None
        return title or self.r.text("title") or self._named({}, ident)

    def need(self) -> str:
        return self.n.needs.get(self.r.entity_id or 0) or self.r.text("title") or "?"

    def period(self) -> int:
        return self.r.number("period") or self.n.periods.get(self.r.entity_id or 0) or 1

    def when(self, key: str) -> str:
        text = self.r.text(key)
        return datetime_(text) if text else "?"

    def before_when(self, key: str) -> str:
        value = self.r.before.get(key) if isinstance(self.r.before, dict) else None
        return datetime_(value) if isinstance(value, str) else "?"


# --- The sentences, one per kind --------------------------------------------------------------

Sentence = Callable[[_Say], str]


def _pledge_set(s: _Say) -> str:
    before = s.r.number("amount_cents", s.r.before) or 0
    after = s.r.number("amount_cents", s.r.after) or 0
    values = {
        "unit": s.unit(),
        "challenge": s.challenge(),
        "before": money(before),
        "after": money(after),
        "source": _source(s.r.text("source")),
    }
    if not before:
        return _("%(unit)s a promis %(after)s au défi « %(challenge)s » (%(source)s).") % values
    if not after:
        return (
            _("%(unit)s a retiré sa contribution de %(before)s au défi « %(challenge)s ».") % values
        )
    if after == before:
        return (
            _("%(unit)s a confirmé sa contribution de %(after)s au défi « %(challenge)s ».")
            % values
        )
    if after > before:
        return (
            _(
                "%(unit)s a porté sa contribution au défi « %(challenge)s » "
                "de %(before)s à %(after)s."
            )
            % values
        )
    return (
        _("%(unit)s a ramené sa contribution au défi « %(challenge)s » de %(before)s à %(after)s.")
        % values
    )


def _source(code: str) -> str:
    return {
        "drawing_rights": _("sur ses droits de tirage"),
        "own_funds": _("sur ses fonds propres"),
    }.get(code, code)


def _pledge_release(s: _Say) -> str:
    values = {
        "unit": s.unit(),
        "challenge": s.challenge(),
        "amount": money(s.r.number("released_cents") or 0),
        "envelope": s.envelope("funded_by_envelope_id"),
    }
    if s.r.number("funded_by_envelope_id") is None:
        return (
            _(
                "La contribution de %(unit)s au défi « %(challenge)s » (%(amount)s) a été "
                "libérée : le défi a été retiré par ses porteurs."
            )
            % values
        )
    return (
        _(
            "La contribution de %(unit)s au défi « %(challenge)s » (%(amount)s) a été libérée : "
            "le défi a été financé par l’enveloppe « %(envelope)s »."
        )
        % values
    )


def _support_set(s: _Say) -> str:
    points = s.r.number("points", s.r.after) or 0
    return ngettext(
        "%(lieu)s a donné %(num)d point au défi « %(challenge)s » (avant : %(before)d).",
        "%(lieu)s a donné %(num)d points au défi « %(challenge)s » (avant : %(before)d).",
        points,
    ) % {
        "lieu": s.lieu(),
        "num": points,
        "challenge": s.challenge(),
        "before": s.r.number("points", s.r.before) or 0,
    }


def _outcome(code: str) -> str:
    return {
        "consented": _("le défi est consenti"),
        "to_amend": _("le défi est à amender"),
        "no_quorum": _("le quorum n’est pas atteint"),
    }.get(code, _("sans décision"))


def _phase(code: str) -> str:
    return {
        "draft": _("brouillon"),
        "proposals": _("propositions de défis"),
        "diagnosis": _("diagnostic"),
        "funding": _("contributions"),
        "closed": _("contributions closes"),
        "settled": _("répartition publiée"),
        "follow_up": _("suivi"),
    }.get(code, code)


def _invitation(code: str) -> str:
    return {
        "lieu_admin": _("administration d’un lieu"),
        "member": _("membre d’un lieu"),
        "cofunder": _("cofinanceur"),
        "coordinator": _("coordination du réseau"),
    }.get(code, code)


def _criteria(s: _Say) -> str:
    names = s.r.after.get("criteria") if isinstance(s.r.after, dict) else None
    count = len(names) if isinstance(names, list) else 0
    return ngettext(
        "Le diagnostic du réseau a été réglé : %(num)d critère, quorum de %(quorum)s lieux.",
        "Le diagnostic du réseau a été réglé : %(num)d critères, quorum de %(quorum)s lieux.",
        count,
    ) % {"num": count, "quorum": s.r.number("quorum") or "?"}


def _settle(s: _Say) -> str:
    funded = s.r.after.get("funded") if isinstance(s.r.after, dict) else None
    count = len(funded) if isinstance(funded, list) else 0
    return ngettext(
        "La répartition de l’enveloppe « %(envelope)s » a été publiée : %(num)d défi financé, "
        "%(leftover)s non attribués.",
        "La répartition de l’enveloppe « %(envelope)s » a été publiée : %(num)d défis financés, "
        "%(leftover)s non attribués.",
        count,
    ) % {
        "envelope": s.envelope(),
        "num": count,
        "leftover": money(s.r.number("leftover_cents") or 0),
    }


def _next_round(s: _Say) -> str:
    return _(
        "L’enveloppe « %(envelope)s » (%(amount)s, dont %(carried)s reportés) a été créée "
        "pour le tour suivant de « %(previous)s »."
    ) % {
        "envelope": s.envelope(),
        "amount": money(s.r.number("amount_cents") or 0),
        "carried": money(s.r.number("carried_leftover_cents") or 0),
        "previous": s.envelope("previous_envelope"),
    }


def _role(s: _Say) -> str:
    values = {"user": s.user(), "lieu": s.lieu()}
    if s.r.after.get("is_admin") if isinstance(s.r.after, dict) else False:
        return _("%(user)s administre désormais %(lieu)s.") % values
    return _("%(user)s n’administre plus %(lieu)s (reste membre).") % values


def _status(s: _Say) -> str:
    return _(
        "Le statut de %(lieu)s dans le réseau a été changé (poids : %(before)s → %(after)s)."
    ) % {
        "lieu": s.lieu(),
        "before": s.r.number("weight", s.r.before) or "?",
        "after": s.r.number("weight", s.r.after) or "?",
    }


def _with_reason(message: str, s: _Say, reason_key: str) -> str:
    reason = s.r.text(reason_key)
    sentence = message % {"challenge": s.challenge(), "period": s.period()}
    return f"{sentence} {_('Motif : « %(reason)s ».') % {'reason': reason}}" if reason else sentence


def _t(message: str, **names: Callable[[_Say], object]) -> Sentence:
    """A sentence that only fills in names: `_t("Le défi « %(challenge)s » a été publié.",
    challenge=_Say.challenge)`. The French stays a literal at each call, for extraction."""

    def say(s: _Say) -> str:
        return _(message) % {key: get(s) for key, get in names.items()}

    return say


def _invitation_of(s: _Say) -> str:
    return _invitation(s.r.text("kind"))


def _email(s: _Say) -> str:
    return s.r.text("email") or "?"


def _deadline(s: _Say) -> str:
    return s.when("deadline")


def _until(s: _Say) -> str:
    return s.when("funding_until")


def _new_phase(s: _Say) -> str:
    value = s.r.after.get("phase") if isinstance(s.r.after, dict) else ""
    return _phase(value if isinstance(value, str) else "")


def _kind_of_position(s: _Say) -> str:
    return code_words().get(s.r.text("kind"), s.r.text("kind"))


def _file_name(s: _Say) -> str:
    return s.r.text("name") or "?"


def _version(s: _Say) -> object:
    return s.r.number("version") or "?"


def _admin_or_member(s: _Say) -> str:
    return _("pour l’administrer") if s.r.get("as_admin") else _("comme membre")


def _round_outcome(s: _Say) -> str:
    return _outcome(s.r.text("outcome"))


# Kind → (family, sentence). The French of each `_t` is marked for extraction below, where it
# is written (gettext_noop-style: `_` is applied when the sentence is said).
def N_(message: str) -> str:  # the usual name of a no-op gettext marker
    return message


KINDS: dict[str, tuple[str, Sentence]] = {
    "pledge.set": ("contributions", _pledge_set),
    "pledge.release": ("contributions", _pledge_release),
    "support.set": ("contributions", _support_set),
    "challenge.draft": (
        "defis",
        _t(
            N_("Le défi « %(challenge)s » a été enregistré en brouillon."), challenge=_Say.challenge
        ),
    ),
    "challenge.publish": (
        "defis",
        _t(N_("Le défi « %(challenge)s » a été publié."), challenge=_Say.challenge),
    ),
    "challenge.amend": (
        "defis",
        _t(
            N_("Le défi « %(challenge)s » a été amendé : une nouvelle version est publiée."),
            challenge=_Say.challenge,
        ),
    ),
    "challenge.concern": (
        "defis",
        _t(
            N_("%(lieu)s a dit « nous aussi » au défi « %(challenge)s »."),
            lieu=_Say.lieu,
            challenge=_Say.challenge,
        ),
    ),
    "challenge.withdraw": (
        "defis",
        lambda s: _with_reason(
            _("Le défi « %(challenge)s » a été retiré par ses porteurs."), s, "reason"
        ),
    ),
    "co_proposal.accept": (
        "defis",
        _t(
            N_("%(lieu)s a accepté de co-porter le défi « %(challenge)s »."),
            lieu=_Say.lieu,
            challenge=_Say.challenge,
        ),
    ),
    "co_proposal.decline": (
        "defis",
        _t(
            N_("%(lieu)s a décliné l’invitation à co-porter le défi « %(challenge)s »."),
            lieu=_Say.lieu,
            challenge=_Say.challenge,
        ),
    ),
    "document.set_challenge_picture": (
        "defis",
        _t(N_("L’image du défi « %(challenge)s » a été changée."), challenge=_Say.challenge),
    ),
    "document.remove_challenge_picture": (
        "defis",
        _t(N_("L’image du défi « %(challenge)s » a été retirée."), challenge=_Say.challenge),
    ),
    "round.open": (
        "diagnostic",
        _t(
            N_(
                "Un tour de consentement s’est ouvert sur la version %(version)s du défi "
                "« %(challenge)s », jusqu’au %(deadline)s."
            ),
            version=_version,
            challenge=_Say.challenge,
            deadline=_deadline,
        ),
    ),
    "round.close": (
        "diagnostic",
        _t(
            N_("Le tour de consentement du défi « %(challenge)s » a été clos : %(outcome)s."),
            challenge=_Say.challenge,
            outcome=_round_outcome,
        ),
    ),
    "round.extend": (
        "diagnostic",
        _t(
            N_(
                "Le tour de consentement du défi « %(challenge)s » a été prolongé jusqu’au "
                "%(deadline)s (au lieu du %(before)s)."
            ),
            challenge=_Say.challenge,
            deadline=_deadline,
            before=lambda s: s.before_when("deadline"),
        ),
    ),
    "round.shorten": (
        "diagnostic",
        _t(
            N_(
                "Le tour de consentement du défi « %(challenge)s » a été raccourci : il se "
                "termine le %(deadline)s (au lieu du %(before)s)."
            ),
            challenge=_Say.challenge,
            deadline=_deadline,
            before=lambda s: s.before_when("deadline"),
        ),
    ),
    "position.take": (
        "diagnostic",
        _t(
            N_("%(lieu)s a pris position sur le défi « %(challenge)s » : %(kind)s."),
            lieu=_Say.lieu,
            challenge=_Say.challenge,
            kind=_kind_of_position,
        ),
    ),
    "position.withdraw": (
        "diagnostic",
        _t(
            N_("%(lieu)s a retiré sa position (%(kind)s) sur le défi « %(challenge)s »."),
            lieu=_Say.lieu,
            challenge=_Say.challenge,
            kind=_kind_of_position,
        ),
    ),
    "question.ask": (
        "diagnostic",
        _t(
            N_("%(lieu)s a posé une question sur le défi « %(challenge)s »."),
            lieu=_Say.lieu,
            challenge=_Say.challenge,
        ),
    ),
    "question.answer": (
        "diagnostic",
        _t(
            N_("Les porteurs du défi « %(challenge)s » ont répondu à une question."),
            challenge=_Say.challenge,
        ),
    ),
    "comment.add": (
        "diagnostic",
        _t(
            N_("Un commentaire a été ajouté au tour de consentement du défi « %(challenge)s »."),
            challenge=_Say.challenge,
        ),
    ),
    "comment.hide": (
        "diagnostic",
        lambda s: _with_reason(
            _("Un commentaire du tour de consentement du défi « %(challenge)s » a été masqué."),
            s,
            "reason",
        ),
    ),
    "network.configure": ("reseau", _criteria),
    "discussion.comment": (
        "discussion",
        _t(
            N_("Un message a été écrit dans la discussion du défi « %(challenge)s »."),
            challenge=_Say.challenge,
        ),
    ),
    "discussion.flag": (
        "discussion",
        _t(
            N_("Un message de la discussion du défi « %(challenge)s » a été signalé."),
            challenge=_Say.challenge,
        ),
    ),
    "discussion.hide": (
        "discussion",
        lambda s: _with_reason(
            _("Un message de la discussion du défi « %(challenge)s » a été masqué."), s, "reason"
        ),
    ),
    "envelope.create": (
        "enveloppes",
        _t(N_("L’enveloppe « %(envelope)s » a été créée."), envelope=_Say.envelope),
    ),
    "envelope.configure": (
        "enveloppes",
        _t(N_("L’enveloppe « %(envelope)s » a été modifiée."), envelope=_Say.envelope),
    ),
    "envelope.open": (
        "enveloppes",
        _t(
            N_("L’enveloppe « %(envelope)s » a été ouverte (phase : %(phase)s)."),
            envelope=_Say.envelope,
            phase=_new_phase,
        ),
    ),
    "envelope.advance": (
        "enveloppes",
        _t(
            N_("L’enveloppe « %(envelope)s » est passée à la phase suivante : %(phase)s."),
            envelope=_Say.envelope,
            phase=_new_phase,
        ),
    ),
    "envelope.close": (
        "enveloppes",
        _t(
            N_("Les contributions à l’enveloppe « %(envelope)s » ont été closes."),
            envelope=_Say.envelope,
        ),
    ),
    "envelope.extend": (
        "enveloppes",
        _t(
            N_(
                "Les contributions à l’enveloppe « %(envelope)s » sont prolongées "
                "jusqu’au %(until)s."
            ),
            envelope=_Say.envelope,
            until=_until,
        ),
    ),
    "envelope.reopen": (
        "enveloppes",
        _t(
            N_(
                "Les contributions à l’enveloppe « %(envelope)s » sont rouvertes "
                "jusqu’au %(until)s."
            ),
            envelope=_Say.envelope,
            until=_until,
        ),
    ),
    "envelope.settle": ("enveloppes", _settle),
    "envelope.next_round": ("enveloppes", _next_round),
    "need.publish": (
        "besoins",
        _t(N_("%(lieu)s a publié le besoin « %(need)s »."), lieu=_Say.lieu, need=_Say.need),
    ),
    "need.edit": ("besoins", _t(N_("Le besoin « %(need)s » a été modifié."), need=_Say.need)),
    "need.archive": ("besoins", _t(N_("Le besoin « %(need)s » a été archivé."), need=_Say.need)),
    "need.join": (
        "besoins",
        _t(
            N_("%(lieu)s a dit « nous aussi » au besoin « %(need)s »."),
            lieu=_Say.lieu,
            need=_Say.need,
        ),
    ),
    "need.leave": (
        "besoins",
        _t(
            N_("%(lieu)s a retiré son « nous aussi » au besoin « %(need)s »."),
            lieu=_Say.lieu,
            need=_Say.need,
        ),
    ),
    "need.challenge": (
        "besoins",
        _t(
            N_("Le besoin « %(need)s » est devenu le défi « %(challenge)s »."),
            need=_Say.need,
            challenge=_Say.challenge,
        ),
    ),
    "report.save": (
        "comptes-rendus",
        _t(
            N_(
                "Le compte rendu n° %(period)s du défi « %(challenge)s » a été enregistré "
                "en brouillon."
            ),
            period=_Say.period,
            challenge=_Say.challenge,
        ),
    ),
    "report.publish": (
        "comptes-rendus",
        _t(
            N_("Le compte rendu n° %(period)s du défi « %(challenge)s » a été publié."),
            period=_Say.period,
            challenge=_Say.challenge,
        ),
    ),
    "report.validate": (
        "comptes-rendus",
        _t(
            N_("Le compte rendu n° %(period)s du défi « %(challenge)s » a été validé."),
            period=_Say.period,
            challenge=_Say.challenge,
        ),
    ),
    "report.request_changes": (
        "comptes-rendus",
        lambda s: _with_reason(
            _(
                "Des compléments ont été demandés au compte rendu n° %(period)s du défi "
                "« %(challenge)s »."
            ),
            s,
            "comment",
        ),
    ),
    "document.add_receipt": (
        "comptes-rendus",
        _t(
            N_("Un justificatif (%(file)s) a été joint au compte rendu du défi « %(challenge)s »."),
            file=_file_name,
            challenge=_Say.challenge,
        ),
    ),
    "document.remove_receipt": (
        "comptes-rendus",
        _t(
            N_("Un justificatif a été retiré du compte rendu du défi « %(challenge)s »."),
            challenge=_Say.challenge,
        ),
    ),
    "network.create": (
        "reseau",
        _t(N_("Le réseau « %(name)s » a été créé."), name=lambda s: s.r.text("name") or "?"),
    ),
    "coordinator.appoint": (
        "reseau",
        _t(N_("%(email)s a été nommé·e à la coordination du réseau."), email=_email),
    ),
    "coordinator.remove": (
        "reseau",
        _t(N_("%(user)s ne coordonne plus le réseau."), user=_Say.user),
    ),
    "cofunder.invite": (
        "reseau",
        _t(
            N_("Le cofinanceur « %(name)s » a été invité (%(email)s)."),
            name=lambda s: s.r.text("name") or "?",
            email=_email,
        ),
    ),
    "lieu.invite": (
        "reseau",
        _t(
            N_("Le lieu « %(lieu)s » a été invité dans le réseau (%(email)s)."),
            lieu=_Say.lieu,
            email=_email,
        ),
    ),
    "lieu.set_status": ("reseau", _status),
    "lieu.edit_profile": (
        "reseau",
        _t(N_("La fiche de %(lieu)s a été modifiée."), lieu=_Say.lieu),
    ),
    "document.set_lieu_picture": (
        "reseau",
        _t(N_("L’image de %(lieu)s a été changée."), lieu=_Say.lieu),
    ),
    "document.remove_lieu_picture": (
        "reseau",
        _t(N_("L’image de %(lieu)s a été retirée."), lieu=_Say.lieu),
    ),
    "invitation.accept": (
        "personnes",
        _t(
            N_("%(user)s a accepté son invitation (%(kind)s)."),
            user=_Say.user,
            kind=_invitation_of,
        ),
    ),
    "invitation.cancel": (
        "personnes",
        _t(
            N_("L’invitation de %(email)s (%(kind)s) a été annulée."),
            email=_email,
            kind=_invitation_of,
        ),
    ),
    "invitation.resend": (
        "personnes",
        _t(
            N_("L’invitation de %(email)s (%(kind)s) a été envoyée de nouveau."),
            email=_email,
            kind=_invitation_of,
        ),
    ),
    "person.invite": (
        "personnes",
        _t(
            N_("%(email)s a été invité·e à rejoindre %(lieu)s %(role)s."),
            email=_email,
            lieu=_Say.lieu,
            role=_admin_or_member,
        ),
    ),
    "person.set_role": ("personnes", _role),
    "person.remove": (
        "personnes",
        _t(N_("%(user)s a été retiré·e de %(lieu)s."), user=_Say.user, lieu=_Say.lieu),
    ),
    "person.leave": (
        "personnes",
        _t(N_("%(user)s a quitté %(lieu)s."), user=_Say.user, lieu=_Say.lieu),
    ),
    "user.email_change_requested": (
        "personnes",
        _t(N_("Un changement d’adresse e-mail a été demandé.")),
    ),
    "user.email_changed": ("personnes", _t(N_("L’adresse e-mail d’un compte a été changée."))),
    "user.password_reset": ("personnes", _t(N_("Un mot de passe a été réinitialisé."))),
    "user.password_changed": ("personnes", _t(N_("Un mot de passe a été changé."))),
    "user.name_changed": ("personnes", _t(N_("Le nom d’un compte a été changé."))),
    "user.deleted": ("personnes", _t(N_("Un compte a été supprimé."))),
}


def families() -> dict[str, str]:
    """The journal's filter: each family of kinds, in words, in the order the filter lists."""
    return {
        "contributions": _("Contributions et soutiens"),
        "defis": _("Défis"),
        "diagnostic": _("Diagnostic (tours de consentement)"),
        "discussion": _("Discussion"),
        "enveloppes": _("Enveloppes et répartitions"),
        "besoins": _("Besoins"),
        "comptes-rendus": _("Comptes rendus"),
        "reseau": _("Réseau et lieux"),
        "personnes": _("Personnes et invitations"),
    }


def kinds_of(family: str) -> list[str]:
    """The kinds of one family, for the filter's query."""
    return sorted(kind for kind, (of, _say) in KINDS.items() if of == family)


def sentence(record: Record, names: Names) -> str:
    """The record in words; an unknown kind says what it is, its raw form stays beside it."""
    known = KINDS.get(record.action)
    if known is None:
        return _("Autre modification (%(kind)s).") % {"kind": record.action}
    return known[1](_Say(record, names))


@dataclass(frozen=True)
class Entry:
    """One line of the journal as the page shows it: when, who, the sentence, and the raw
    record (its code and JSON) for the « détail » under it; a hidden pledge shows neither."""

    at: dt.datetime
    who: str | None
    former_member: bool
    sentence: str
    masked: bool
    code: str
    before: str
    after: str


def raw(value: object) -> str:
    """A payload as readable JSON (accents as they are), empty for none."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def entry(line: JournalLine, names: Names) -> Entry:
    record = line.record()
    return Entry(
        at=line.at,
        who=line.actor_name,
        former_member=line.former_member,
        sentence=_("Contribution masquée jusqu’à la clôture de l’enveloppe.")
        if line.masked
        else sentence(record, names),
        masked=line.masked,
        code=f"{line.action} {line.entity} {line.entity_id or ''}".strip(),
        before=raw(line.before),
        after=raw(line.after),
    )
