"""The allocation engine (SPEC §6): pure functions from frozen inputs to a settlement.

Standard library and msgspec only: no web, database or I/O import, so anyone can recompute a
published settlement offline (`cobudget verify`).
"""

from cobudget.engine.canonical import (
    decode_input,
    decode_settlement,
    digest,
    encode_input,
    encode_settlement,
)
from cobudget.engine.errors import InvalidEnvelope
from cobudget.engine.settle import settle
from cobudget.engine.settlement import (
    ChallengeOutcome,
    CofundingExplanation,
    EqualSharesExplanation,
    EqualSharesPayment,
    Explanation,
    LieuOutcome,
    MatchingExplanation,
    PledgeOutcome,
    Settlement,
    Transfer,
)
from cobudget.engine.types import EnvelopeInput

__all__ = [
    "ChallengeOutcome",
    "CofundingExplanation",
    "EnvelopeInput",
    "EqualSharesExplanation",
    "EqualSharesPayment",
    "Explanation",
    "InvalidEnvelope",
    "LieuOutcome",
    "MatchingExplanation",
    "PledgeOutcome",
    "Settlement",
    "Transfer",
    "decode_input",
    "decode_settlement",
    "digest",
    "encode_input",
    "encode_settlement",
    "settle",
]
