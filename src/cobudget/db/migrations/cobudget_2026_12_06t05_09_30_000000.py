"""The product's "one per" rules held by the database too (issue 14): unique indexes, so two
requests at the same moment (two processes, no row held between them) cannot store a second row.

- one pledge per contributor (lieu or organisation), challenge, envelope and source (released
  pledges keep their row, so they count: a released pledge is updated, never doubled);
- one support per lieu, challenge and envelope; one lieu per envelope; one lieu per network;
- one coordinator per person and network; one co-funder person per person and organisation;
- one « nous aussi » and one co-proposal per lieu and challenge;
- one version number per challenge; one spending row per report, budget line and source;
- one position entry per lieu, round and number (the entries of a lieu's history in a round are
  numbered first, in the order they were written).

Rows already doubled would make an index fail: where a row carries nothing of its own (a
coordinator, a co-funder person), the later copies are deleted; elsewhere (money, weights,
notes, versions) the migration stops and names the rows, to be settled by hand, instead of
choosing which one counts. Raw SQL, as in the reports' period index: Piccolo adds a composite
unique constraint with ALTER TABLE, which SQLite does not support; a unique index (partial where
a column may be empty) works on SQLite and PostgreSQL alike.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T05:09:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique indexes for the product's one-per rules"


class Pledge(Table, tablename="pledge"):
    pass


# (index, table, columns, partial condition, whether doubles may be deleted)
UNIQUE: tuple[tuple[str, str, tuple[str, ...], str, bool], ...] = (
    (
        "pledge_one_per_lieu",
        "pledge",
        ("envelope", "challenge", "lieu", "source"),
        "lieu IS NOT NULL",
        False,
    ),
    (
        "pledge_one_per_org",
        "pledge",
        ("envelope", "challenge", "org", "source"),
        "org IS NOT NULL",
        False,
    ),
    ("support_one_per_lieu", "support", ("envelope", "challenge", "lieu"), "", False),
    ("envelope_lieu_one_per_lieu", "envelope_lieu", ("envelope", "lieu"), "", False),
    ("network_lieu_one_per_lieu", "network_lieu", ("network", "lieu"), "", False),
    ("coordinator_one_per_person", "coordinator", ("network", '"user"'), "", True),
    ("cofunder_person_one_per_person", "cofunder_person", ('"user"', "org"), "", True),
    ("concerned_lieu_one_per_lieu", "concerned_lieu", ("challenge", "lieu"), "", False),
    ("co_proposer_one_per_lieu", "co_proposer", ("challenge", "lieu"), "", False),
    ("challenge_version_one_per_number", "challenge_version", ("challenge", "number"), "", False),
    (
        "report_spending_one_per_line",
        "report_spending",
        ("report", "budget_line", "paid_from"),
        "",
        False,
    ),
    ("round_position_one_per_number", "round_position", ("round", "lieu", "number"), "", False),
)


async def _doubles(table: str, columns: str, where: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = await Pledge.raw(
        f"SELECT {columns}, COUNT(*) AS copies FROM {table} {where}"
        f" GROUP BY {columns} HAVING COUNT(*) > 1 ORDER BY {columns} LIMIT 10"
    )
    return rows


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cobudget", description=DESCRIPTION)

    async def run() -> None:
        await Pledge.raw(
            "UPDATE round_position SET number = (SELECT COUNT(*) FROM round_position AS earlier"
            " WHERE earlier.round = round_position.round AND earlier.lieu = round_position.lieu"
            " AND earlier.id <= round_position.id)"
        )
        for index, table, names, condition, deletable in UNIQUE:
            columns = ", ".join(names)
            where = f"WHERE {condition}" if condition else ""
            doubles = await _doubles(table, columns, where)
            if doubles and deletable:
                await Pledge.raw(
                    f"DELETE FROM {table} WHERE id NOT IN"
                    f" (SELECT MIN(id) FROM {table} GROUP BY {columns})"
                )
            elif doubles:
                raise RuntimeError(
                    f"{table}: several rows where the product allows one ({columns}): {doubles};"
                    " decide which one stands, delete the others, then migrate again"
                )
            await Pledge.raw(f"CREATE UNIQUE INDEX {index} ON {table} ({columns}) {where}")

    async def run_backwards() -> None:
        for index, *_rest in UNIQUE:
            await Pledge.raw(f"DROP INDEX {index}")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
