"""Door-knocking figures for the board and the programme committee: the year report, its chart, and
the input from the doors as Markdown and CSV."""

from __future__ import annotations

from typing import Any

from bot.csvfile import csv_date, csv_text
from bot.i18n import N_, translator
from bot.reports.charts import bar_chart
from bot.round_messages import THEME_LABELS
from models import rounds as rd
from models.constants import DISTRICTS, OSLO

# The same msgids as the district buttons in handlers/common.py, so one translation serves both.
DISTRICT_LABELS: dict[str, str] = {
    "midtbyen": N_("Midtbyen"), "ostbyen": N_("Østbyen"), "lerkendal": N_("Lerkendal"),
    "heimdal": N_("Heimdal"), "outside": N_("Outside Trondheim"),
}


def year_text(figures: rd.YearFigures, lang: str, year: int) -> str:
    _ = translator(lang)
    lines = [
        _("Door-knocking {year}").format(year=year),
        _("Rounds held: {held} of the goal of {goal}").format(held=figures.rounds_held, goal=figures.goal),
        # Not "participants": a seat nobody checked in counts as long as it is not marked "didn't come".
        _("Signed up, not marked “didn't come”: {count} · checked in: {checked} (first time: {first})").format(
            count=figures.participants, checked=figures.checked_in, first=figures.first_timers),
        _("Doors: {doors} · conversations: {conversations}").format(doors=figures.doors, conversations=figures.conversations),
        _("Most teams out at once: {count}").format(count=figures.max_teams_at_once),
    ]
    if figures.not_held:
        lines.append(_("Recorded as not taking place (not counted): {count}").format(count=figures.not_held))
    lines += [
        "",
        _("By district:"),
    ]
    lines += [f"• {_(DISTRICT_LABELS[d])}: {n}" for d, n in sorted(figures.by_district.items())] or ["–"]
    return "\n".join(lines)


def chart(figures: rd.YearFigures, lang: str, year: int) -> bytes:
    """Rounds per month as a PNG bar chart."""
    from babel.dates import get_month_names

    _ = translator(lang)
    months = get_month_names("abbreviated", locale=lang)
    title = _("Door-knocking rounds {year}: {held} of {goal}").format(year=year, held=figures.rounds_held, goal=figures.goal)
    return bar_chart([months[m] for m in range(1, 13)], [figures.by_month.get(m, 0) for m in range(1, 13)], title,
                     ylabel=_("Rounds"))


# What the exports call where an item came from.
SOURCE_LABELS: dict[str, str] = {rd.SOURCE_PARTICIPANT: N_("Participant"), rd.SOURCE_LEADER_REPORT: N_("Leader's report")}


def _themes(item: dict[str, Any], _: Any) -> str:
    return ", ".join(_(THEME_LABELS[theme]) for theme in item["themes"])


def _ordered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda i: (rd.THEMES.index(i["themes"][0]), DISTRICTS.index(i["district"])
                                        if i["district"] in DISTRICTS else len(DISTRICTS), i["date"]))


def input_markdown(items: list[dict[str, Any]], lang: str) -> str:
    """What was heard at the doors, by theme and then district. Each answer once: one about several
    themes (a leader's report) stands under the first of them, naming the others."""
    _ = translator(lang)
    heading = _("What we heard at the doors")
    lines = [f"# {heading}", ""]
    for theme in rd.THEMES:
        chosen = [i for i in items if i["themes"][0] == theme]
        if not chosen:
            continue
        lines.append(f"## {_(THEME_LABELS[theme])}")
        for district in DISTRICTS:
            in_district = [i for i in chosen if i["district"] == district]
            if not in_district:
                continue
            lines.append(f"### {_(DISTRICT_LABELS[district])}")
            for i in in_district:
                where = f"{i['round']}, {i['date'].astimezone(OSLO):%d.%m.%Y}"
                if others := i["themes"][1:]:
                    where += "; " + _("also about: {themes}").format(themes=", ".join(_(THEME_LABELS[t]) for t in others))
                lines.append(f"- {i['text']} ({where})")
            lines.append("")
    return "\n".join(lines)


def input_csv(items: list[dict[str, Any]], lang: str) -> str:
    """One row per answer, its themes in one cell, every column in the reader's words (no codes).
    Formula-safe: what members wrote at the doors is free text and could start with "="."""
    _ = translator(lang)
    return csv_text([_("Themes"), _("District"), _("Round"), _("Date"), _("Source"), _("Text")], (
        [_themes(item, _), _(DISTRICT_LABELS[item["district"]]) if item["district"] in DISTRICT_LABELS else item["district"],
         item["round"], csv_date(item["date"]), _(SOURCE_LABELS[item["source"]]), item["text"]]
        for item in _ordered(items)))
