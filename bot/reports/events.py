"""The board's yearly event figures against the plan's goals."""

from __future__ import annotations

from bot.event_messages import KIND_LABELS
from bot.i18n import translator
from models import events as ev


def year_text(figures: ev.YearFigures, lang: str, year: int) -> str:
    _ = translator(lang)
    lines = [_("Events {year}").format(year=year),
             _("Courses in direct voter contact: {held} of the goal of {goal}").format(held=figures.courses, goal=figures.courses_goal),
             _("Open meetings with partners: {held} of the goal of {goal}").format(held=figures.open_with_partners, goal=figures.open_goal),
             "", _("Attendance by kind:")]
    lines += [f"• {_(KIND_LABELS[k])}: {n}" for k, n in sorted(figures.attendance.items())] or ["–"]
    return "\n".join(lines)
