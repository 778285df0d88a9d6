"""The engine's one error: inputs it refuses, named precisely (SPEC §6: never silently repaired).

    ValueError
    └── InvalidEnvelope(item, reason, **data)
            item    which part of the input: "envelope", "lieu 4", "pledge 12",
                    "challenge 3", "challenge 3 budget line 7", "input"
            reason  a stable code: "negative_amount", "min_above_max", "unknown_challenge",
                    "duplicate_id", "drawing_rights_exceeded", "own_challenge_cap_exceeded",
                    "cofunder_drawing_rights", "malformed", ... (see `engine.validate`)
            data    the numbers behind it (available_cents=..., requested_cents=...)

The web layer maps it to one HTTP answer and writes the sentence; the command line prints
`str(error)`.
"""

from __future__ import annotations


class InvalidEnvelope(ValueError):
    """The inputs of an envelope cannot be settled as they are."""

    def __init__(self, item: str, reason: str, **data: int | str) -> None:
        self.item = item
        self.reason = reason
        self.data: dict[str, int | str] = dict(data)
        details = ", ".join(f"{k}={v}" for k, v in sorted(self.data.items()))
        super().__init__(f"{item}: {reason}" + (f" ({details})" if details else ""))
