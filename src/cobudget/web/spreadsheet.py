"""The open-data tables for a spreadsheet (issue 18): the same rows as the documented CSV, written
so that LibreOffice and Excel open them in columns, in the reader's language, at a double click.

The open-data CSV stays what programs read (`,`, UTF-8 without a byte-order mark, English column
names, ISO dates in UTC, integer cents; docs/open-data.md). A French spreadsheet expects
something else: `;` between cells (the comma is the decimal mark), a byte-order mark to know the
file is UTF-8, CRLF line ends, amounts it reads as numbers (`1234,50`: a decimal comma and no
thousands separator, which it would read as text), dates it recognises (`2026-12-06 14:05:00`,
Paris time) and words instead of codes. English gets the English conventions (`,` and a decimal
point). One function turns any export table into this variant, so no export is written twice;
text cells keep the open data's guard against formulas (`exports.csv_cell`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping

from cobudget import i18n
from cobudget.i18n import gettext as _
from cobudget.rendering import PARIS
from cobudget.services.exports import csv_cell

BOM = "\ufeff"


def _headers() -> dict[str, str]:
    """Each open-data column's title in the reader's language (amounts say their unit)."""
    return {
        "envelope_id": _("N° d’enveloppe"),
        "challenge_id": _("N° de défi"),
        "title": _("Titre"),
        "proposer_lieu_ids": _("N° des lieux porteurs"),
        "consented": _("Consenti"),
        "min_cents": _("Minimum (€)"),
        "max_cents": _("Maximum (€)"),
        "requested_cents": _("Montant demandé (€)"),
        "basis": _("Chiffres de"),
        "funded": _("Financé"),
        "total_cents": _("Total reçu (€)"),
        "drawing_rights_cents": _("Sur droits de tirage (€)"),
        "own_funds_cents": _("Sur fonds propres (€)"),
        "match_cents": _("Abondement (€)"),
        "budget_line_id": _("N° de poste de dépense"),
        "label": _("Poste de dépense"),
        "spent_cents": _("Dépensé (€)"),
        "own_funds_spent_cents": _("Dépensé sur fonds propres (€)"),
        "pending_cents": _("En attente de validation (€)"),
        "pending_own_funds_cents": _("En attente de validation, sur fonds propres (€)"),
        "pledge_id": _("N° de contribution"),
        "contributor_kind": _("Contributeur (type)"),
        "contributor_id": _("N° du contributeur"),
        "contributor_name": _("Contributeur"),
        "source": _("Source"),
        "pledged_cents": _("Promis (€)"),
        "captured_cents": _("Retenu (€)"),
        "released_cents": _("Libéré (€)"),
        "round_id": _("N° de tour"),
        "version": _("Version"),
        "lieu_id": _("N° de lieu"),
        "lieu_name": _("Lieu"),
        "kind": _("Position"),
        "text": _("Texte"),
        "criterion": _("Critère"),
        "withdrawn": _("Retirée"),
        "taken_at": _("Prise le (heure de Paris)"),
        "from_kind": _("Origine (type)"),
        "from_id": _("N° de l’origine"),
        "amount_cents": _("Montant (€)"),
        "report_id": _("N° de compte rendu"),
        "period": _("Période"),
        "status": _("Statut"),
        "delivery": _("Livraison"),
        "published_at": _("Publié le (heure de Paris)"),
        "reviewed_at": _("Relu le (heure de Paris)"),
        "deliverables": _("Livrables"),
        "need_id": _("N° de besoin"),
        "network_id": _("N° de réseau"),
        "lacks": _("Ce qui manque"),
        "commons": _("Le commun qui aiderait"),
        "theme": _("Thème"),
        "horizon_years": _("Horizon (années)"),
        "created_at": _("Créé le (heure de Paris)"),
        "updated_at": _("Modifié le (heure de Paris)"),
        "archived_at": _("Archivé le (heure de Paris)"),
        "joined_lieu_ids": _("N° des lieux « nous aussi »"),
    }


def code_words() -> dict[str, str]:
    """The stored codes of the open data, as words (a code no entry names stays as it is); the
    journal says positions with them too."""
    return {
        "lieu": _("lieu"),
        "cofunder": _("cofinanceur"),
        "envelope": _("enveloppe"),
        "drawing_rights": _("droits de tirage"),
        "own_funds": _("fonds propres"),
        "match": _("abondement"),
        "projection": _("projection"),
        "settlement": _("règlement"),
        "consent": _("consentement"),
        "concern": _("consentement avec réserve"),
        "objection": _("objection"),
        "draft": _("brouillon"),
        "published": _("publié"),
        "changes_requested": _("à compléter"),
        "validated": _("validé"),
        "in_progress": _("en cours"),
        "delivered": _("livré"),
        "numerique": _("Numérique"),
        "fabrication": _("Fabrication"),
        "alimentation": _("Alimentation"),
        "mobilite": _("Mobilité"),
        "energie": _("Énergie"),
        "gouvernance": _("Gouvernance"),
        "economie": _("Économie"),
        "culture": _("Culture"),
        "formation": _("Formation"),
        "autre": _("Autre"),
    }


# The columns whose text is a code from a fixed list (the others are free text).
CODED = frozenset(
    {"contributor_kind", "source", "basis", "kind", "from_kind", "status", "delivery", "theme"}
)


def euros(cents: int, decimal: str) -> str:
    """Integer cents as a number a spreadsheet reads: `1234,50` (no thousands separator)."""
    units, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{units}{decimal}{rest:02d}"


def moment(iso: str) -> str:
    """An ISO 8601 moment (UTC) as a date and time every spreadsheet recognises, Paris time."""
    value = dt.datetime.fromisoformat(iso)
    value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return value.astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S")


def _cell(
    column: str, value: object, decimal: str, words: Mapping[str, str], yes_no: tuple[str, str]
) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no[0] if value else yes_no[1]
    if column.endswith("_cents") and isinstance(value, int):
        return euros(value, decimal)
    if column.endswith("_at") and isinstance(value, str) and value:
        return moment(value)
    if column in CODED and isinstance(value, str):
        return words.get(value, value)
    return csv_cell(value)


def to_spreadsheet(columns: tuple[str, ...], data: Iterable[Mapping[str, object]]) -> bytes:
    """An open-data table (its documented `columns`, its rows as the open data has them) as a
    CSV a spreadsheet opens in the reader's language: French `;` and decimal comma, English
    `,` and decimal point; a byte-order mark, CRLF, titled columns, euros, Paris dates, words."""
    french = i18n.current_locale() == "fr"
    delimiter, decimal = (";", ",") if french else (",", ".")
    headers, words = _headers(), code_words()
    yes_no = (_("oui"), _("non"))
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([csv_cell(headers.get(column, column)) for column in columns])
    for row in data:
        writer.writerow(
            [_cell(column, row.get(column), decimal, words, yes_no) for column in columns]
        )
    return buffer.getvalue().encode()
