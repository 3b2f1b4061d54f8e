"""Round buttons that carry the start they were sent about (models.activity.minute)."""

from __future__ import annotations

from bot.callbacks import Id, Number, callback


@callback("rd.joinat")
class JoinRoundAt:
    """«Join» under a suggestion about the round starting at `at`: joins the round at its time now,
    and says so when it has moved since the suggestion was sent."""

    round_id: Id
    at: Number
