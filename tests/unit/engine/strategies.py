"""Hypothesis strategies: valid envelopes for `cofunding` and `matching` (`envelopes`) and for
`equal_shares` (`equal_shares_envelopes`), small enough to be fast and varied enough to reach
every branch (funded, scaled back, capped, dropped, ineligible; bought by the method, add-one
or greedy, unsupported, unaffordable)."""

from __future__ import annotations

import random

import msgspec
from hypothesis import strategies as st

from cobudget.engine.drawing_rights import drawing_rights
from cobudget.engine.types import (
    BudgetLine,
    Challenge,
    Cofunder,
    EnvelopeInput,
    Lieu,
    Pledge,
    RuleParams,
    Support,
)

mostly_true = st.sampled_from([True, True, True, False])
rarely_false = st.sampled_from([True] * 9 + [False])
ids = st.lists(st.integers(1, 60), min_size=1, max_size=6, unique=True)


@st.composite
def challenges(draw: st.DrawFn, cid: int, lieu_ids: list[int], line_ids: st.SearchStrategy[int]):
    proposers = draw(st.lists(st.sampled_from(lieu_ids), min_size=1, max_size=2, unique=True))
    lines = []
    for line_id in draw(st.lists(line_ids, min_size=1, max_size=3, unique=True)):
        low = draw(st.integers(0, 20_000))
        lines.append(
            BudgetLine(id=line_id, min_cents=low, max_cents=low + draw(st.integers(0, 40_000)))
        )
    return Challenge(
        id=cid,
        proposers=proposers,
        consented=draw(mostly_true),
        budget_lines=lines,
    )


@st.composite
def envelopes(draw: st.DrawFn, rule: str | None = None) -> EnvelopeInput:
    """A valid envelope: drawing-rights pledges fit each lieu's rights and, under `cofunding`,
    its cap on the challenges it proposes."""
    rule = rule or draw(st.sampled_from(["cofunding", "matching"]))
    lieu_ids = draw(ids)
    weights = [draw(st.integers(0, 4)) for _ in lieu_ids]
    weights[0] = max(weights[0], 1)
    lieux = [
        Lieu(id=i, weight=w, eligible=draw(mostly_true))
        for i, w in zip(lieu_ids, weights, strict=True)
    ]
    cofunders = [Cofunder(id=i) for i in draw(st.lists(st.integers(1, 9), max_size=2, unique=True))]
    amount = draw(st.integers(0, 300_000))
    params = RuleParams(
        min_cofunders=draw(st.integers(0, 3)), own_challenge_cap_pct=draw(st.integers(0, 100))
    )
    chals = [
        draw(challenges(cid, lieu_ids, st.integers(1, 5)))
        for cid in draw(st.lists(st.integers(1, 40), min_size=1, max_size=6, unique=True))
    ]
    rights = drawing_rights(amount, lieux) if rule != "matching" else {}
    free = dict(rights)
    own_room = {i: r * params.own_challenge_cap_pct // 100 for i, r in rights.items()}
    contributors = [("lieu", i) for i in lieu_ids] + [("cofunder", c.id) for c in cofunders]
    pledges = []
    for pid in draw(st.lists(st.integers(1, 500), max_size=16, unique=True)):
        challenge = draw(st.sampled_from(chals))
        kind, who = draw(st.sampled_from(contributors))
        amount_cents = draw(st.integers(1, 30_000))
        source = "own_funds"
        if rule != "matching" and kind == "lieu" and draw(st.booleans()):
            room = free[who]
            if who in challenge.proposers:
                room = min(room, own_room[who])
            if room >= 1:
                amount_cents = min(amount_cents, room)
                source = "drawing_rights"
                free[who] -= amount_cents
                if who in challenge.proposers:
                    own_room[who] -= amount_cents
        pledges.append(
            Pledge(
                id=pid,
                challenge_id=challenge.id,
                contributor_kind=kind,
                contributor_id=who,
                source=source,
                amount_cents=amount_cents,
            )
        )
    return EnvelopeInput(
        amount_cents=amount,
        rule=rule,
        params=params,
        lieux=lieux,
        cofunders=cofunders,
        challenges=chals,
        pledges=pledges,
    )


@st.composite
def equal_shares_envelopes(draw: st.DrawFn) -> EnvelopeInput:
    """A valid `equal_shares` envelope: up to 5 lieux (weights 0..3, a few ineligible), up to 6
    challenges (a few not consented, some asking a set amount, some costing nothing), support
    by approval, points (0 = listed, unsupported) or drawing-rights pledges that fit each
    lieu's rights, cost or cardinal utilities, own-fund pledges, add-one steps of 1 cent to
    3 €. Amounts are small, so that fractions of a cent and exhausted budgets are frequent."""
    n = draw(st.integers(1, 5))
    weights = [draw(st.integers(0, 3)) for _ in range(n)]
    weights[0] = max(weights[0], 1)
    lieux = [
        Lieu(id=i, weight=w, eligible=draw(rarely_false)) for i, w in enumerate(weights, start=1)
    ]
    lieu_ids = [lieu.id for lieu in lieux]
    chals = []
    for cid in range(1, draw(st.integers(1, 6)) + 1):
        low = draw(st.integers(0, 6000))
        chals.append(
            Challenge(
                id=cid,
                proposers=draw(
                    st.lists(st.sampled_from(lieu_ids), min_size=1, max_size=2, unique=True)
                ),
                consented=draw(rarely_false),
                budget_lines=[
                    BudgetLine(id=cid, min_cents=low, max_cents=low + draw(st.integers(0, 3000)))
                ],
                requested_cents=draw(st.one_of(st.none(), st.integers(0, 6000))),
            )
        )
    amount = draw(st.integers(0, 12_000))
    support = draw(st.sampled_from(["approval", "points", "pledges"]))
    params = RuleParams(
        support=support,
        utility=draw(st.sampled_from(["cost", "cardinal"])),
        unit_cents=draw(st.sampled_from([1, 7, 100, 300])),
    )
    pairs = [(i, c.id) for i in lieu_ids for c in chals if draw(st.booleans())]
    supports = []
    pledges = []
    free = drawing_rights(amount, lieux)
    for lieu_id, cid in pairs:
        if support == "pledges":
            if free[lieu_id] >= 1:
                cents = draw(st.integers(1, free[lieu_id]))
                free[lieu_id] -= cents
                pledges.append(
                    Pledge(
                        id=len(pledges) + 1,
                        challenge_id=cid,
                        contributor_kind="lieu",
                        contributor_id=lieu_id,
                        source="drawing_rights",
                        amount_cents=cents,
                    )
                )
        else:
            points = 1 if support == "approval" else draw(st.integers(0, 5))
            supports.append(Support(lieu_id=lieu_id, challenge_id=cid, points=points))
    for challenge in draw(st.lists(st.sampled_from(chals), max_size=2)):
        pledges.append(
            Pledge(
                id=len(pledges) + 1,
                challenge_id=challenge.id,
                contributor_kind="lieu",
                contributor_id=draw(st.sampled_from(lieu_ids)),
                source="own_funds",
                amount_cents=draw(st.integers(1, 4000)),
            )
        )
    return EnvelopeInput(
        amount_cents=amount,
        rule="equal_shares",
        params=params,
        lieux=lieux,
        challenges=chals,
        pledges=pledges,
        supports=supports,
    )


def shuffled(inputs: EnvelopeInput, seed: int) -> EnvelopeInput:
    """The same envelope with every list (and every challenge's budget lines and co-proposers)
    in another order."""
    rnd = random.Random(seed)

    def mix(items: list) -> list:
        items = list(items)
        rnd.shuffle(items)
        return items

    chals = [
        msgspec.structs.replace(
            c, budget_lines=mix(c.budget_lines), proposers=c.proposers[:1] + mix(c.proposers[1:])
        )
        for c in inputs.challenges
    ]
    return msgspec.structs.replace(
        inputs,
        lieux=mix(inputs.lieux),
        cofunders=mix(inputs.cofunders),
        challenges=mix(chals),
        pledges=mix(inputs.pledges),
        supports=mix(inputs.supports),
    )
