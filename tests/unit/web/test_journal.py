"""The journal in words (issue 18): every kind of audit record the services write has its own
sentence, found by reading the code; the sentences name what the records point to, in French
and in English; an unknown kind falls back to a generic sentence."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from cobudget.domain import documents
from cobudget.domain.audit_records import COMMENT, REPORT, ROUND, Names, Record, wanted
from cobudget.i18n import using_locale
from cobudget.rendering import money
from cobudget.services import envelopes, reports
from cobudget.web import journal

SERVICES = Path(journal.__file__).resolve().parents[1] / "services"

# The f-strings that make a kind, and the values their one placeholder takes, read from the
# code that decides them. A new f-string fails the test below until it is listed here.
DYNAMIC = {
    "document.set_{}": [k.value for k in documents.Kind if k is not documents.Kind.RECEIPT],
    "document.remove_{}": [k.value for k in documents.Kind if k is not documents.Kind.RECEIPT],
    "report.{}": list(reports.REVIEW_DECISIONS),
    "envelope.{}": list(envelopes.MOVES),
}


def _kinds_of(node: ast.expr, module: ast.Module, function: str, position: int) -> list[str]:
    """The kinds an expression may be: a literal, either branch of a conditional, an f-string
    of DYNAMIC, or a parameter given as a literal by every call of its function."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _kinds_of(node.body, module, function, position) + _kinds_of(
            node.orelse, module, function, position
        )
    if isinstance(node, ast.JoinedStr):
        shape = "".join(
            part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
        assert shape in DYNAMIC, f"a kind made by a new f-string: {shape}"
        return [shape.format(value) for value in DYNAMIC[shape]]
    if isinstance(node, ast.Name):
        found = []
        for call in ast.walk(module):
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id == function
                and len(call.args) > position
            ):
                found += _kinds_of(call.args[position], module, "", 0)
        assert found, f"cannot tell the kinds of `{node.id}` in {function}"
        return found
    raise AssertionError(f"a kind written in an unexpected way: {ast.dump(node)}")


def written_kinds() -> dict[str, str]:
    """Every kind the services write with audit.record or audit.record_many → where."""
    kinds: dict[str, str] = {}
    for path in sorted(SERVICES.rglob("*.py")):
        module = ast.parse(path.read_text(), str(path))
        for function in ast.walk(module):
            if not isinstance(function, ast.AsyncFunctionDef | ast.FunctionDef):
                continue
            params = [a.arg for a in function.args.args]
            for call in ast.walk(function):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and isinstance(call.func.value, ast.Name)
                    and call.func.value.id == "audit"
                    and call.func.attr in ("record", "record_many")
                ):
                    kind = call.args[1]
                    position = params.index(kind.id) if isinstance(kind, ast.Name) else 0
                    for value in _kinds_of(kind, module, function.name, position):
                        kinds[value] = f"{path.name}:{call.lineno}"
    return kinds


def test_the_services_are_read_whole() -> None:
    kinds = written_kinds()
    # A sample of each way a kind is written, so that the reading itself is checked.
    assert {"pledge.set", "challenge.publish", "challenge.draft", "pledge.release"} <= set(kinds)
    assert {"envelope.open", "report.request_changes", "person.leave", "person.remove"} <= set(
        kinds
    )
    assert "document.set_challenge_picture" in kinds and len(kinds) > 60


def test_every_kind_the_services_write_has_its_own_sentence() -> None:
    missing = {kind: where for kind, where in written_kinds().items() if kind not in journal.KINDS}
    assert not missing, f"kinds written without a sentence in web/journal.py: {missing}"


def test_every_sentence_is_of_a_kind_the_services_write() -> None:
    stale = set(journal.KINDS) - set(written_kinds())
    assert not stale, f"sentences of kinds nothing writes any more: {stale}"


def test_every_kind_belongs_to_a_family_of_the_filter() -> None:
    families = journal.families()
    assert all(family in families for family, _say in journal.KINDS.values())
    assert sorted(k for f in families for k in journal.kinds_of(f)) == sorted(journal.KINDS)


NAMES = Names(
    lieux={3: "Café Le Comptoir", 4: "La Fabrique du Bourg"},
    orgs={9: "Département du Puy-de-Dôme"},
    users={7: "Camille Martin"},
    envelopes={5: "Enveloppe 2027"},
    challenges={12: "Outil de réservation"},
    needs={8: "Un atelier vélo"},
    anchors={(ROUND, 30): 12, (COMMENT, 31): 12, (REPORT, 40): 12},
    periods={40: 2},
)


def test_a_raised_pledge_says_who_to_which_challenge_from_and_to_how_much() -> None:
    record = Record(
        "pledge.set",
        "pledge",
        20,
        before={"amount_cents": 20_000},
        after={"amount_cents": 35_000, "challenge_id": 12, "lieu_id": 3, "source": "own_funds"},
    )
    with using_locale("fr"):
        assert journal.sentence(record, NAMES) == (
            "Café Le Comptoir a porté sa contribution au défi « Outil de réservation » "
            f"de {money(20_000)} à {money(35_000)}."
        )
    with using_locale("en"):
        said = journal.sentence(record, NAMES)
    assert said.startswith("Café Le Comptoir raised its pledge") and "$" not in said


def test_a_first_pledge_of_a_co_funder_and_a_withdrawn_one() -> None:
    first = Record(
        "pledge.set",
        "pledge",
        21,
        before={"amount_cents": 0},
        after={"amount_cents": 50_000, "challenge_id": 12, "org_id": 9, "source": "own_funds"},
    )
    gone = Record(
        "pledge.set",
        "pledge",
        20,
        before={"amount_cents": 20_000},
        after={"amount_cents": 0, "challenge_id": 12, "lieu_id": 3},
    )
    with using_locale("fr"):
        assert journal.sentence(first, NAMES) == (
            f"Département du Puy-de-Dôme a promis {money(50_000)} au défi "
            "« Outil de réservation » (sur ses fonds propres)."
        )
        assert journal.sentence(gone, NAMES) == (
            f"Café Le Comptoir a retiré sa contribution de {money(20_000)} au défi "
            "« Outil de réservation »."
        )


def test_a_pledge_set_again_to_the_same_amount_is_confirmed() -> None:
    same = Record(
        "pledge.set",
        "pledge",
        20,
        before={"amount_cents": 20_000},
        after={"amount_cents": 20_000, "challenge_id": 12, "lieu_id": 3},
    )
    with using_locale("fr"):
        assert journal.sentence(same, NAMES) == (
            f"Café Le Comptoir a confirmé sa contribution de {money(20_000)} au défi "
            "« Outil de réservation »."
        )


def test_records_of_a_round_a_comment_and_a_report_name_their_challenge() -> None:
    with using_locale("fr"):
        position = Record("position.take", "round", 30, after={"lieu_id": 4, "kind": "objection"})
        assert journal.sentence(position, NAMES) == (
            "La Fabrique du Bourg a pris position sur le défi « Outil de réservation »\u00a0: objection."
        )
        hidden = Record(
            "comment.hide", "comment", 31, before={"text": "x"}, after={"reason": "Hors sujet"}
        )
        assert journal.sentence(hidden, NAMES) == (
            "Un commentaire du tour de consentement du défi « Outil de réservation » a été "
            "masqué. Motif\u00a0: « Hors sujet »."
        )
        validated = Record("report.validate", "report", 40, after={"status": "validated"})
        assert journal.sentence(validated, NAMES) == (
            "Le compte rendu n° 2 du défi « Outil de réservation » a été validé."
        )
        removed = Record("person.remove", "lieu", 4, before={"user_id": 7, "is_admin": False})
        assert (
            journal.sentence(removed, NAMES)
            == "Camille Martin a été retiré·e de La Fabrique du Bourg."
        )


def test_a_name_not_found_reads_as_its_number_and_an_unknown_kind_says_what_it_is() -> None:
    with using_locale("fr"):
        record = Record("challenge.concern", "challenge", 99, after={"lieu_id": 77})
        assert journal.sentence(record, Names()) == "n° 77 a dit « nous aussi » au défi « n° 99 »."
        assert journal.sentence(Record("x.y", "x", 1), Names()) == "Autre modification (x.y)."


def test_wanted_lists_every_id_the_records_name() -> None:
    want = wanted(
        [
            Record("pledge.set", "pledge", 20, after={"challenge_id": 12, "lieu_id": 3}),
            Record("position.take", "round", 30, after={"lieu_id": 4}),
            Record("round.open", "round", 31, after={"challenge_id": 13}),
            Record("need.join", "need", 8, after={"lieu_id": 4}),
            Record("person.set_role", "lieu", 5, after={"user_id": 7}),
            Record("pledge.release", "pledge", 2, after={"funded_by_envelope_id": 6, "org_id": 9}),
            Record("report.validate", "report", 40),
        ]
    )
    assert want.lieux == {3, 4, 5} and want.challenges == {12, 13} and want.needs == {8}
    assert want.users == {7} and want.envelopes == {6} and want.orgs == {9}
    # A round whose record names its challenge needs no reading of the round.
    assert want.anchors == {(ROUND, 30), (REPORT, 40)}


SAMPLE_PAYLOAD = {
    "amount_cents": 1000,
    "challenge_id": 12,
    "lieu_id": 3,
    "user_id": 7,
    "kind": "consent",
    "deadline": "2026-12-01T10:00:00+00:00",
    "funding_until": "2026-12-20T10:00:00+00:00",
    "phase": "funding",
    "reason": "Un motif",
    "email": "a@exemple.fr",
    "name": "Nom",
    "title": "Titre",
    "points": 2,
    "funded": [12],
    "criteria": ["Ancrage"],
    "quorum": 3,
    "weight": 2,
}


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("kind", sorted(journal.KINDS))
def test_each_sentence_is_whole_in_both_languages(kind: str, locale: str) -> None:
    entity, _dot, _verb = kind.partition(".")
    record = Record(kind, entity, 5, before=SAMPLE_PAYLOAD, after=SAMPLE_PAYLOAD)
    with using_locale(locale):
        said = journal.sentence(record, NAMES)
    assert said and said.endswith(".") and not re.search(r"%\(|\{\w*\}|Autre modification", said)
    assert said[0].isupper() or said[0].isdigit() or said.startswith("a@"), said
