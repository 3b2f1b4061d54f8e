"""The annual report's figures (årsmelding) as one Markdown document and PNG pages, in the reader's
language, each figure beside the work plan's goal; the same for /rapport aar and `report --year`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.event_messages import KIND_LABELS
from bot.i18n import fmt_date, translator
from bot.reports import charts as plot
from bot.reports.plan import FONT, GOAL_LABELS, OKABE_ITO, PRESENCE_LABELS
from models import annual as an

NO_GOAL = "–"


@dataclass
class Document:
    """The annual figures: the Markdown text, its rows (label, figure, goal) and its pages as PNGs."""

    year: int
    title: str
    markdown: str
    rows: list[tuple[str, str, str]]
    pages: list[bytes]

    def filename(self, lang: str) -> str:
        return f"{base_name(self.year, lang)}.md"

    def page_names(self, lang: str) -> list[str]:
        return [f"{base_name(self.year, lang)}-{n}.png" for n in range(1, len(self.pages) + 1)]


def base_name(year: int, lang: str) -> str:
    """The files' name: arsmelding-2026 (annual-report-2026 in English)."""
    return f"{'annual-report' if lang == 'en' else 'arsmelding'}-{year}"


def rows(figures: an.Annual, lang: str) -> list[tuple[str, str, str]]:
    _ = translator(lang)
    yes, no = _("yes"), _("no")
    found: list[tuple[str, str, str]] = []
    for goal in figures.goals:
        found.append((_(GOAL_LABELS[goal.key]), str(len(goal.held)), _("{count} a year").format(count=goal.goal)))
    for tag, label in PRESENCE_LABELS.items():
        found.append((_(label), yes if figures.presence.get(tag) else no, _("held every year")))
    for kind, label in KIND_LABELS.items():
        if figures.events_by_kind.get(kind):
            found.append((_("Events held: {kind}").format(kind=_(label)), str(figures.events_by_kind[kind]), NO_GOAL))
    share = round(100 * figures.welcome_in_time / figures.new_members) if figures.new_members else 0
    found += [
        (_("Participants (different people at rounds and events)"), str(figures.participants), NO_GOAL),
        (_("First-timers (never taken part before)"), str(figures.first_timers), NO_GOAL),
        (_("Doors knocked on"), str(figures.doors), NO_GOAL),
        (_("Conversations at the doors"), str(figures.conversations), NO_GOAL),
        (_("People reached in phone rounds"), str(figures.calls_reached), NO_GOAL),
        (_("New members"), str(figures.new_members), NO_GOAL),
        (_("Welcome calls within 14 days"), f"{figures.welcome_in_time} ({share} %)", _("every new member")),
        (_("Leader training: offered / accepted"), f"{figures.leaders[0]} / {figures.leaders[1]}", NO_GOAL),
    ]
    return found


def title(figures: an.Annual, lang: str) -> str:
    _ = translator(lang)
    return _("Annual report {year}: the work plan in figures").format(year=figures.year)


def note(figures: an.Annual, lang: str, now: datetime) -> str:
    _ = translator(lang)
    if figures.complete:
        return _("The whole year {year}, from lagbot's records.").format(year=figures.year)
    return _("The year {year} so far, up to {date}, from lagbot's records.").format(year=figures.year, date=fmt_date(now, lang))


def markdown(figures: an.Annual, lang: str, now: datetime) -> str:
    _ = translator(lang)
    table = rows(figures, lang)
    figure, goal_heading = _("Figure"), _("Goal in the work plan")
    out = [f"# {title(figures, lang)}", "", note(figures, lang, now), "",
           f"| {figure} | {figures.year} | {goal_heading} |", "| --- | ---: | --- |"]
    out += [f"| {label} | {value} | {goal} |" for label, value, goal in table]
    base = base_name(figures.year, lang)
    figures_alt, goals_alt = _("Figures"), _("Goals")
    out += ["", f"![{figures_alt}]({base}-1.png)", f"![{goals_alt}]({base}-2.png)", ""]
    return "\n".join(out)


def table_page(figures: an.Annual, lang: str, now: datetime) -> bytes:
    """The table as a page to paste into the annual report."""
    _ = translator(lang)
    table = rows(figures, lang)
    fig, ax = plot.axes(10, 1.6 + 0.45 * len(table))
    ax.set_axis_off()
    cells = ax.table(cellText=[[label, value, goal] for label, value, goal in table],
                     colLabels=[_("Figure"), str(figures.year), _("Goal in the work plan")],
                     colWidths=[0.6, 0.15, 0.25], loc="upper center", cellLoc="left")
    cells.auto_set_font_size(False)
    cells.set_fontsize(FONT - 3)
    cells.scale(1, 1.6)
    for (row, _col), cell in cells.get_celld().items():
        if row == 0:
            cell.set_facecolor(OKABE_ITO["sky_blue"])
    ax.set_title(title(figures, lang) + "\n" + note(figures, lang, now), fontsize=FONT)
    return plot.png(fig)


def goals_page(figures: an.Annual, lang: str) -> bytes:
    """Each of the plan's yearly goals: held (bar) against the goal (line)."""
    _ = translator(lang)
    labels = [_(GOAL_LABELS[g.key]) for g in figures.goals]
    held = [len(g.held) for g in figures.goals]
    fig, ax = plot.axes(10, 5)
    colours = [OKABE_ITO["bluish_green"] if len(g.held) >= g.goal else OKABE_ITO["orange"] for g in figures.goals]
    positions = list(range(len(labels)))
    ax.barh(positions, held, color=colours, label=_("Held"))
    for position, goal in zip(positions, figures.goals, strict=True):
        ax.plot([goal.goal, goal.goal], [position - 0.4, position + 0.4], color=OKABE_ITO["black"], linewidth=3)
    ax.plot([], [], color=OKABE_ITO["black"], linewidth=3, label=_("Goal"))
    ax.set_yticks(positions)
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.tick_params(labelsize=FONT - 2)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=FONT - 3, loc="lower right")
    ax.set_title(_("The work plan's goals {year}: held against the goal").format(year=figures.year), fontsize=FONT)
    return plot.png(fig)


def document(figures: an.Annual, lang: str, now: datetime) -> Document:
    return Document(figures.year, title(figures, lang), markdown(figures, lang, now), rows(figures, lang),
                    [table_page(figures, lang, now), goals_page(figures, lang)])


ANNUAL_WORDS = {"aar", "år", "ar", "year", "annual", "arsmelding", "årsmelding"}
