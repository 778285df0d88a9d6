"""The spreadsheet downloads (issue 18) beside the open data: each table opens in a French
spreadsheet (`;`, a byte-order mark, CRLF, French column titles, euros with a decimal comma),
holds the same rows as the open-data CSV with the same money, and keeps the guard against
formulas; the open-data CSV itself is left as documented."""

from __future__ import annotations

import csv
import io

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import ChallengeVersion, Need
from cobudget.services import exports, need_exports
from cobudget.web.context import LOCALE_COOKIE
from tests.integration.conftest import World

TABLES = ("challenges", "budget_lines", "pledges", "positions", "settlement", "reports")


def _open_data(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def _sheet(content: bytes, delimiter: str = ";") -> list[list[str]]:
    """The file as a French spreadsheet reads it: UTF-8 told by its byte-order mark, `;`."""
    assert content.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    text = content.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "not CRLF"
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _cents(euros: str, decimal: str = ",") -> int:
    """`1234,50` → 123450, as the spreadsheet reads the number (no thousands separator)."""
    whole, _sep, fraction = euros.lstrip("-").partition(decimal)
    assert whole.isdigit() and len(fraction) == 2 and fraction.isdigit(), euros
    value = int(whole) * 100 + int(fraction)
    return -value if euros.startswith("-") else value


def _same_money(
    columns: tuple[str, ...], open_rows: list[dict[str, str]], sheet_rows: list[list[str]]
) -> int:
    """Every amount of the spreadsheet equals the open data's, row by row, and so do the
    totals of every amount column; returns how many amounts were compared."""
    assert len(sheet_rows) == len(open_rows)
    compared = 0
    for column in (c for c in columns if c.endswith("_cents")):
        index = columns.index(column)
        cents = [int(row[column]) for row in open_rows if row[column] != ""]
        euros = [_cents(row[index]) for row in sheet_rows if row[index] != ""]
        assert euros == cents, column
        assert sum(euros) == sum(cents), column
        compared += len(cents)
    return compared


@pytest.mark.parametrize("table", TABLES)
async def test_each_envelope_table_opens_in_a_french_spreadsheet_with_the_same_money(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    table: str,
) -> None:
    base = f"/enveloppes/{world.settled_envelope_id}/donnees/{table}"
    sheet = await client.get(f"{base}-tableur.csv")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    assert f"{table}-tableur.csv" in sheet.headers["content-disposition"]
    header, *rows = _sheet(sheet.content)
    columns = exports.TABLES[table]
    assert len(header) == len(columns) and not set(header) & set(columns), header
    open_rows = _open_data((await client.get(f"{base}.csv")).content)
    assert open_rows, table
    _same_money(columns, open_rows, rows)
    # Ids are the same numbers; the open data's codes became words.
    for column in ("challenge_id", "pledge_id", "report_id"):
        if column in columns:
            index = columns.index(column)
            assert [r[index] for r in rows] == [r[column] for r in open_rows]


async def test_the_headers_and_words_are_french_and_the_amounts_are_numbers(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    base = f"/enveloppes/{world.settled_envelope_id}/donnees"
    header, *rows = _sheet((await client.get(f"{base}/pledges-tableur.csv")).content)
    assert header == [
        "N° de contribution",
        "N° de défi",
        "Contributeur (type)",
        "N° du contributeur",
        "Contributeur",
        "Source",
        "Promis (€)",
        "Chiffres de",
        "Retenu (€)",
        "Libéré (€)",
    ]
    assert {r[2] for r in rows} <= {"lieu", "cofinanceur"}
    assert {r[5] for r in rows} <= {"droits de tirage", "fonds propres"} and rows
    assert {r[7] for r in rows} == {"règlement"}
    challenges = _sheet((await client.get(f"{base}/challenges-tableur.csv")).content)
    assert challenges[0][4] == "Consenti" and {r[4] for r in challenges[1:]} <= {"oui", "non"}
    reports = _sheet((await client.get(f"{base}/reports-tableur.csv")).content)
    published = reports[0].index("Publié le (heure de Paris)")
    dates = [r[published] for r in reports[1:] if r[published]]
    # A date and time every spreadsheet recognises (yyyy-mm-dd hh:mm:ss), in Paris time.
    assert dates and all(len(d) == 19 and d[4] == "-" and d[10] == " " for d in dates), dates


async def test_the_needs_open_in_a_spreadsheet_with_the_same_money(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    base = f"/reseaux/{world.network_slug}/donnees/besoins"
    header, *rows = _sheet((await client.get(f"{base}-tableur.csv")).content)
    assert header[0] == "N° de besoin" and "Thème" in header and "Minimum (€)" in header
    open_rows = _open_data((await client.get(f"{base}.csv")).content)
    assert _same_money(need_exports.COLUMNS, open_rows, rows) > 0
    assert (await client.get(f"{base}-tableur.json")).status_code == 404


async def test_text_read_as_a_formula_is_neutralised_in_the_spreadsheet_too(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    formula = '=HYPERLINK("http://evil.example","clic")'
    await ChallengeVersion.update({ChallengeVersion.title: formula}).where(
        ChallengeVersion.challenge == world.consented_challenge_id
    )
    await Need.update({Need.title: "@SUM(A1)"}).where(Need.id == world.need_id)
    titles = {
        r[2]
        for r in _sheet(
            (
                await client.get(f"/enveloppes/{world.envelope_id}/donnees/challenges-tableur.csv")
            ).content
        )
    }
    assert "'" + formula in titles and formula not in titles
    needs = (await client.get(f"/reseaux/{world.network_slug}/donnees/besoins-tableur.csv")).content
    assert "'@SUM(A1)" in {r[4] for r in _sheet(needs)}


async def test_in_english_the_spreadsheet_uses_commas_and_a_decimal_point(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    client.cookies.set(LOCALE_COOKIE, "en")
    base = f"/enveloppes/{world.settled_envelope_id}/donnees/pledges"
    header, *rows = _sheet((await client.get(f"{base}-tableur.csv")).content, delimiter=",")
    assert header[0] == "Pledge no." and header[6] == "Pledged (€)"
    open_rows = _open_data((await client.get(f"{base}.csv")).content)
    assert [_cents(r[6], ".") for r in rows] == [int(r["pledged_cents"]) for r in open_rows]


async def test_the_open_data_csv_stays_as_documented(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    content = (
        await client.get(f"/enveloppes/{world.settled_envelope_id}/donnees/pledges.csv")
    ).content
    assert not content.startswith(b"\xef\xbb\xbf") and b"\r\n" not in content
    assert content.decode().splitlines()[0] == ",".join(exports.TABLES["pledges"])
