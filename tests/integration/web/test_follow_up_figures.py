"""The follow-up figures reconcile (SPEC §7): per challenge and per line, validated spending paid
from what the challenge received stays within it and within the line's maximum; the picture
(the SVG's numbers), its tables, the CSV exports and the API give the same numbers; and no band
of the picture is wider than the boxes it joins."""

from __future__ import annotations

import csv
import io
import re

from litestar.testing import AsyncTestClient

from cobudget.db.tables import BudgetLine, ChallengeVersion
from tests.integration.conftest import log_in, post_form
from tests.support import factories

SLACK = 0.5  # pixels: the layout rounds nothing, but 1-pixel bands are drawn 1 pixel wide


def _csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def _attrs(tag: str) -> dict[str, str]:
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))


async def _world() -> tuple[int, dict[str, int]]:
    """A settled envelope funding two challenges: X (two budget lines) and Y (one)."""
    network = await factories.make_network("Réseau des Combrailles")
    lieux = {}
    for key in "abc":
        lieux[key] = await factories.make_lieu(network, f"Lieu {key.upper()}")
        user = await factories.make_user(f"{key}@combrailles.fr")
        await factories.add_member(user, lieux[key], admin=True)
    await factories.add_coordinator(await factories.make_user("coordo@combrailles.fr"), network)
    x = await factories.make_consented_challenge(network, lieux["a"], lieux["b"], "Défi X")
    version = await ChallengeVersion.select(ChallengeVersion.id).where(
        ChallengeVersion.challenge == x
    )
    await BudgetLine.insert(
        BudgetLine(
            version=version[0]["id"], label="Hébergement", min_cents=20_000, max_cents=50_000
        )
    )
    y = await factories.make_consented_challenge(network, lieux["b"], lieux["c"], "Défi Y")
    envelope = await factories.make_settled_envelope(
        network,
        list(lieux.values()),
        pledges=((x, lieux["b"], 90_000), (x, lieux["c"], 60_000), (y, lieux["a"], 120_000)),
    )
    return envelope, {"x": x, "y": y}


async def _lines(challenge: int) -> dict[str, int]:
    rows = await BudgetLine.select(BudgetLine.id, BudgetLine.label).where(
        BudgetLine.version.challenge == challenge
    )
    return {r["label"]: r["id"] for r in rows}


async def _report(
    client: AsyncTestClient,  # type: ignore[type-arg]
    email: str,
    path: str,
    data: dict[str, str],
    *,
    validate: bool,
) -> None:
    await log_in(client, email)
    response = await post_form(client, path, {"delivery": "in_progress", **data, "publish": "1"})
    assert response.status_code == 303, response.text
    report = response.headers["location"].split("?")[0]
    if validate:
        await log_in(client, "coordo@combrailles.fr")
        reviewed = await post_form(client, f"{report}/revue", {"decision": "validate"})
        assert reviewed.status_code == 303


async def test_the_picture_its_tables_the_csv_and_the_api_give_the_same_numbers(
    client: AsyncTestClient,  # type: ignore[type-arg]
    db: str,
) -> None:
    envelope, challenges = await _world()
    x, y = await _lines(challenges["x"]), await _lines(challenges["y"])
    new = f"/enveloppes/{envelope}/defis/{{}}/rapports/nouveau"
    dev_x, host_x, dev_y = x["Développement"], x["Hébergement"], y["Développement"]
    # X, period 1 (validated): 800 € + 200 € from what it received, 300 € of own funds.
    await _report(
        client,
        "a@combrailles.fr",
        new.format(challenges["x"]),
        {
            f"spending.{dev_x}": "800",
            f"own_funds.{dev_x}": "300",
            f"spending.{host_x}": "200",
            "deliverable.0.title": "Le guide",
            "deliverable.0.url": "https://exemple.fr/guide",
        },
        validate=True,
    )
    # X, period 2 (awaiting validation): 400 € and 100 €, 50 € of own funds.
    await _report(
        client,
        "a@combrailles.fr",
        new.format(challenges["x"]),
        {
            f"spending.{dev_x}": "400",
            f"spending.{host_x}": "100",
            f"own_funds.{host_x}": "50",
            "deliverable.0.title": "La carte",
            "deliverable.0.url": "https://exemple.fr/carte",
        },
        validate=False,
    )
    # Y, period 1 (validated): 1 000 €; then a draft of period 2, which counts for nothing.
    await _report(
        client,
        "b@combrailles.fr",
        new.format(challenges["y"]),
        {f"spending.{dev_y}": "1 000"},
        validate=True,
    )
    await log_in(client, "b@combrailles.fr")
    draft = await post_form(
        client, new.format(challenges["y"]), {f"spending.{dev_y}": "100", "publish": "0"}
    )
    assert draft.status_code == 303
    client.cookies.clear()

    api = (await client.get(f"/api/envelopes/{envelope}/follow-up")).json()
    page = (await client.get(f"/enveloppes/{envelope}/suivi")).text
    data = f"/enveloppes/{envelope}/donnees"
    lines_csv = _csv((await client.get(f"{data}/budget_lines.csv")).content)
    reports_csv = _csv((await client.get(f"{data}/reports.csv")).content)

    # Per challenge and per line: within what was received and within the maximum.
    for challenge in api["challenges"]:
        assert challenge["spent_cents"] + challenge["pending_cents"] <= challenge["received_cents"]
        for line in challenge["lines"]:
            held = (
                line["spent_cents"]
                + line["own_funds_cents"]
                + line["pending_cents"]
                + line["pending_own_funds_cents"]
            )
            assert held <= line["max_cents"] and not line["over"]
    by_id = {c["id"]: c for c in api["challenges"]}
    assert by_id[challenges["x"]]["spent_cents"] == 100_000
    assert by_id[challenges["x"]]["pending_cents"] == 50_000
    assert by_id[challenges["x"]]["own_funds_cents"] == 30_000
    assert by_id[challenges["y"]]["spent_cents"] == 100_000

    svg = page.split('<svg id="trail-svg"', 1)[1].split("</svg>", 1)[0]
    bands = [_attrs(tag) for tag in re.findall(r"<path [^>]*>", svg)]
    boxes = {
        a["data-key"]: a
        for a in (
            _attrs(g + rect)
            for g, rect in re.findall(r'(<g class="box[^>]*>)\s*(<rect [^>]*>)', svg)
        )
    }
    outcome_rows = {
        int(a["data-challenge"]): a
        for a in (_attrs(tag) for tag in re.findall(r"<tr data-challenge[^>]*>", page))
    }
    line_rows = {
        int(a["data-line"]): a
        for a in (_attrs(tag) for tag in re.findall(r"<tr data-line[^>]*>", page))
    }
    csv_lines = {int(r["budget_line_id"]): r for r in lines_csv}

    def band(kind: str, challenge: int) -> int:
        return sum(
            int(b["data-amount"])
            for b in bands
            if b["data-from"] == f"challenge:{challenge}" and b["data-to"] == f"{kind}:{challenge}"
        )

    for cid, challenge in by_id.items():
        inflow = sum(int(b["data-amount"]) for b in bands if b["data-to"] == f"challenge:{cid}")
        row = outcome_rows[cid]
        assert inflow == int(row["data-received"]) == challenge["received_cents"]
        assert int(boxes[f"challenge:{cid}"]["data-amount"]) == challenge["received_cents"]
        line_ids = [line["id"] for line in challenge["lines"]]
        validated = [
            r for r in reports_csv if int(r["challenge_id"]) == cid and r["status"] == "validated"
        ]
        for kind, column in (("spent", "spent_cents"), ("pending", "pending_cents")):
            assert (
                band(kind, cid)
                == int(row[f"data-{kind}"])
                == challenge[column]
                == sum(int(csv_lines[i][column]) for i in line_ids)
            ), kind
        assert sum(int(r["spent_cents"]) for r in validated) == challenge["spent_cents"]
        assert (
            sum(int(r["own_funds_spent_cents"]) for r in validated)
            == (challenge["own_funds_cents"])
        )
        assert (
            band("unreported", cid)
            == int(row["data-unreported"])
            == (challenge["unreported_cents"])
        )
        for line in challenge["lines"]:
            assert (
                int(line_rows[line["id"]]["data-spent"])
                == line["spent_cents"]
                == int(csv_lines[line["id"]]["spent_cents"])
            )
            assert (
                int(line_rows[line["id"]]["data-pending"])
                == line["pending_cents"]
                == int(csv_lines[line["id"]]["pending_cents"])
            )
            assert int(csv_lines[line["id"]]["own_funds_spent_cents"]) == line["own_funds_cents"]
    assert sum(c["spent_cents"] for c in by_id.values()) == api["spent_cents"] == 200_000

    # No band is wider than a box it joins, and the bands leaving or entering a box fit in it.
    out: dict[str, float] = {}
    into: dict[str, float] = {}
    for b in bands:
        width = float(b["stroke-width"])
        for key in (b["data-from"], b["data-to"]):
            assert width <= float(boxes[key]["height"]) + SLACK, (b, boxes[key])
        out[b["data-from"]] = out.get(b["data-from"], 0.0) + width
        into[b["data-to"]] = into.get(b["data-to"], 0.0) + width
    for key, box in boxes.items():
        assert out.get(key, 0.0) <= float(box["height"]) + SLACK, key
        assert into.get(key, 0.0) <= float(box["height"]) + SLACK, key

    # The phone's picture (issue 18) draws the same bands and boxes with the same amounts.
    narrow = page.split('<svg id="trail-svg-narrow"', 1)[1].split("</svg>", 1)[0]

    def drawn(svg: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
        paths = [_attrs(tag) for tag in re.findall(r"<path [^>]*>", svg)]
        groups = [_attrs(tag) for tag in re.findall(r'<g class="box[^>]*>', svg)]
        return (
            sorted((b["data-from"], b["data-to"], b["data-amount"]) for b in paths),
            sorted((g["data-key"], g["data-amount"]) for g in groups),
        )

    assert drawn(narrow) == drawn(svg)
    assert len(drawn(svg)[0]) == len(bands) > 0
