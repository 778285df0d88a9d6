"""Open data exports through HTTP (SPEC §7): the CSV and JSON files parse and their totals equal
the settlement's; the settlement bundle verifies offline; a pabulib export reads back into
pabutools with the same outcome; what a visitor may not read is refused."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import Support
from cobudget.domain.permissions import Actor
from cobudget.engine.receipts import short_code
from cobudget.services import settlements
from cobudget.services.clock import now
from cobudget.settings import Settings
from tests.integration.conftest import World, log_in, post_form
from tests.support import factories

TABLES = ("challenges", "budget_lines", "pledges", "positions", "settlement", "reports")


def _csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


@pytest.mark.parametrize("table", TABLES)
async def test_every_table_parses_in_both_formats_with_the_same_rows(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    table: str,
) -> None:
    base = f"/enveloppes/{world.settled_envelope_id}/donnees/{table}"
    as_csv, as_json = await client.get(f"{base}.csv"), await client.get(f"{base}.json")
    assert as_csv.status_code == as_json.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows, data = _csv(as_csv.content), json.loads(as_json.content)
    assert data["table"] == table and list(rows[0].keys()) == data["columns"]
    assert len(rows) == len(data["rows"]) > 0


async def test_the_totals_of_the_exports_equal_the_settlement(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    record = await settlements.stored(world.settled_envelope_id)
    assert record is not None
    settlement = record.decoded
    base = f"/enveloppes/{world.settled_envelope_id}/donnees"
    challenges = _csv((await client.get(f"{base}/challenges.csv")).content)
    transfers = json.loads((await client.get(f"{base}/settlement.json")).content)["rows"]
    pledges = _csv((await client.get(f"{base}/pledges.csv")).content)
    funded_total = sum(int(r["total_cents"]) for r in challenges if r["funded"] == "true")
    assert funded_total == sum(t["amount_cents"] for t in transfers) == 270_000
    envelope_money = sum(int(r["drawing_rights_cents"]) + int(r["match_cents"]) for r in challenges)
    assert envelope_money + settlement.leftover_cents == settlement.envelope_cents
    assert {r["basis"] for r in challenges} == {"settlement"}
    assert sum(int(r["captured_cents"]) for r in pledges) == funded_total
    reports = _csv((await client.get(f"{base}/reports.csv")).content)
    assert {r["status"] for r in reports} == {"published", "changes_requested"}


async def test_the_settlement_bundle_verifies_offline_and_a_changed_byte_does_not(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    tmp_path: Path,
) -> None:
    bundle = await client.get(
        f"/enveloppes/{world.settled_envelope_id}/donnees/reglement-complet.json"
    )
    assert bundle.status_code == 200
    (tmp_path / "bundle.json").write_bytes(bundle.content)
    tampered = bundle.content.replace(b'"leftover_cents":', b'"leftover_cents":1', 1)
    (tmp_path / "tampered.json").write_bytes(tampered)

    def verify(name: str) -> int:
        return subprocess.run(
            [sys.executable, "-m", "cobudget.cli", "verify", name],
            cwd=tmp_path,
            capture_output=True,
            check=False,
        ).returncode

    assert verify("bundle.json") == 0
    assert verify("tampered.json") == 1


def _reference_checker() -> str:
    """The standard-library checker of docs/receipts-format.md, as printed there."""
    text = (Path(__file__).parents[3] / "docs" / "receipts-format.md").read_text()
    return text.split("```python checker\n", 1)[1].split("```", 1)[0]


async def test_the_documented_reference_checker_accepts_a_real_bundle_and_finds_a_receipt(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    tmp_path: Path,
) -> None:
    """Issue 20: someone without the software checks the chain with 30 lines of Python."""
    checker = _reference_checker()
    assert len([line for line in checker.splitlines() if line.strip()]) <= 32
    (tmp_path / "check.py").write_text(checker)
    bundle = await client.get(
        f"/enveloppes/{world.settled_envelope_id}/donnees/reglement-complet.json"
    )
    (tmp_path / "bundle.json").write_bytes(bundle.content)
    doc = json.loads(bundle.content)
    receipt = doc["receipts"][1]["hash"]

    def check(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "check.py", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )

    whole = check("bundle.json", short_code(receipt).lower())
    assert whole.returncode == 0, whole.stderr
    assert "complete: 2 writes chained" in whole.stdout and '"seq": 2' in whole.stdout
    assert check("bundle.json", "0000-0000-0000-0000").returncode == 1
    doc["receipts"][0]["record"]["amount"] += 1
    (tmp_path / "changed.json").write_text(json.dumps(doc))
    changed = check("changed.json")
    assert changed.returncode == 1 and "breaks at seq 1" in changed.stderr
    doc = json.loads(bundle.content)
    doc["inputs"]["pledges"] = doc["inputs"]["pledges"][1:]  # a pledge left out
    (tmp_path / "short.json").write_text(json.dumps(doc))
    assert "does not leave the settlement's pledges" in check("short.json").stderr


async def test_exports_refuse_what_the_reader_may_not_see(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    draft = await client.get(f"/enveloppes/{world.draft_envelope_id}/donnees/challenges.csv")
    assert draft.status_code == 404 and "Cette enveloppe n’existe pas." in draft.text
    unknown = await client.get(f"/enveloppes/{world.settled_envelope_id}/donnees/secrets.csv")
    assert unknown.status_code == 404 and "Ce fichier n’existe pas." in unknown.text
    live = await client.get(f"/enveloppes/{world.envelope_id}/donnees/settlement.csv")
    assert live.status_code == 422 and "pas encore réglée" in live.text
    not_es = await client.get(f"/enveloppes/{world.envelope_id}/donnees/enveloppe.pb")
    assert not_es.status_code == 422 and "parts égales" in not_es.text
    await log_in(client, world.emails["coordinator"])
    own = await client.get(f"/enveloppes/{world.draft_envelope_id}/donnees/challenges.csv")
    assert own.status_code == 200  # the coordinators read their draft
    projection = _csv(
        (await client.get(f"/enveloppes/{world.envelope_id}/donnees/challenges.csv")).content
    )
    assert {r["basis"] for r in projection} == {"projection"}


async def test_a_pabulib_export_reads_back_into_pabutools_with_the_same_outcome(
    client: AsyncTestClient, world: World, settings: Settings
) -> None:
    from pabutools.election import Cost_Sat
    from pabutools.election.pabulib import parse_pabulib_from_string
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    network = world.network_id
    lieux = [world.lieu_id, world.other_lieu_id]
    lieux.append(await factories.make_lieu(network, "La Troisième"))
    challenges = [
        await factories.make_consented_challenge(network, lieux[0], lieux[1], f"Commun {i}")
        for i in range(3)
    ]
    envelope_id = await factories.make_envelope(
        network, lieux, amount_cents=300_000, rule="equal_shares", phase="closed"
    )
    for lieu, chosen in (
        (lieux[0], challenges[:2]),
        (lieux[1], challenges[1:]),
        (lieux[2], challenges),
    ):
        for challenge in chosen:
            await Support.insert(
                Support(envelope=envelope_id, lieu=lieu, challenge=challenge, updated_at=now())
            )
    await settlements.settle(
        settings, Actor(coordinator_of=frozenset({network})), envelope_id=envelope_id
    )
    response = await client.get(f"/enveloppes/{envelope_id}/donnees/enveloppe.pb")
    assert response.status_code == 200
    instance, profile = parse_pabulib_from_string(response.text)
    mes = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    full = greedy_utilitarian_welfare(
        instance, profile, sat_class=Cost_Sat, initial_budget_allocation=mes
    )
    record = await settlements.stored(envelope_id)
    assert record is not None
    ours = {str(c.challenge_id) for c in record.decoded.challenges if c.funded}
    assert {p.name for p in full} == ours
    assert len(ours) >= 2


FORMULAS = ('=HYPERLINK("http://evil.example","clic")', "-2+3+cmd|' /C calc'!A0")


@pytest.mark.parametrize("formula", FORMULAS)
async def test_text_a_spreadsheet_would_read_as_a_formula_is_neutralised_in_every_csv(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    formula: str,
) -> None:
    from cobudget.db.tables import BudgetLine, ChallengeVersion, Lieu, RoundPosition

    await ChallengeVersion.update({ChallengeVersion.title: formula}).where(
        ChallengeVersion.challenge == world.consented_challenge_id
    )
    await BudgetLine.update({BudgetLine.label: formula}).where(
        BudgetLine.version.challenge == world.consented_challenge_id
    )
    await RoundPosition.update({RoundPosition.text: formula}).where(
        RoundPosition.round.challenge == world.consented_challenge_id
    )
    await Lieu.update({Lieu.name: formula}).where(Lieu.id == world.lieu_id)
    await log_in(client, world.emails["member"])
    pledged = await post_form(
        client,
        f"/enveloppes/{world.envelope_id}/contributions",
        {
            "challenge": str(world.consented_challenge_id),
            "unit": f"lieu:{world.lieu_id}",
            "source": "drawing_rights",
            "amount": "100",
        },
    )
    assert pledged.status_code == 303, pledged.text
    base = f"/enveloppes/{world.envelope_id}/donnees"
    cells = {
        "challenges": "title",
        "budget_lines": "label",
        "positions": "text",
        "pledges": "contributor_name",
    }
    for table, column in cells.items():
        response = await client.get(f"{base}/{table}.csv")
        rows = _csv(response.content)
        texts = [row[column] for row in rows if formula in row[column]]
        assert texts and set(texts) == {"'" + formula}, (table, texts)
        # Amounts are ours, written as numbers: never prefixed.
        for row in rows:
            assert all(not v.startswith("'") for k, v in row.items() if k.endswith("_cents"))
        # JSON is not read by spreadsheets: the text as typed.
        as_json = json.loads((await client.get(f"{base}/{table}.json")).content)
        assert formula in {row[column] for row in as_json["rows"]}


def test_a_negative_amount_stays_a_number_and_only_text_is_neutralised() -> None:
    from cobudget.services.exports import csv_cell

    assert csv_cell(-1250) == -1250
    assert csv_cell("-1250") == "'-1250"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("\tx") == "'\tx" and csv_cell("\rx") == "'\rx" and csv_cell("+1") == "'+1"
    assert csv_cell("La Fabrique") == "La Fabrique" and csv_cell(True) == "true"
