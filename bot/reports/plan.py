"""/rapport and `report`: one message per goal group, each with one chart (cumulative progress against
the goal with a pace line, this year and next), for the chat and the command line alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.ask_messages import KIND_LABELS as ASK_LABELS
from bot.i18n import N_, fmt_date, fmt_month, ngettext_for, translator
from bot.reports import charts as plot
from bot.reports.rounds import DISTRICT_LABELS
from bot.round_messages import THEME_LABELS
from models import plan as pl
from models import surveys as sv
from models.constants import OSLO

# Okabe & Ito's colour-blind-safe palette (DECISIONS "The plan on one screen"; a test asserts it).
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7", "black": "#000000",
}
GOAL_LABELS = {"rounds": N_("Door-knocking rounds"), "partner_rounds": N_("Rounds with a partner organisation"), "voter_course": N_("Course in direct voter contact"),
               "movements_meeting": N_("Open meeting with the movements")}
PRESENCE_LABELS = {"march_8": N_("8 March"), "may_day_breakfast": N_("1 May breakfast"), "pride": N_("Pride")}
FONT = 15  # large type: the chart is read on a phone
# With less than this left of a year, a goal still short is said to be short, not "plan N more".
YEAR_ENDING = timedelta(days=14)


@dataclass
class Section:
    """One message: its text and its chart."""

    key: str
    text: str
    png: bytes


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=OSLO)


def goal_line(goal: pl.Goal, year: int, plan: pl.Plan, lang: str) -> str:
    """'Door-knocking rounds 2027: 0 held, 3 planned of 10. Plan 7 more; next gap: January 2027.'"""
    _, ngettext = translator(lang), ngettext_for(lang)
    line = _("{goal} {year}: {held} held, {planned} planned of {target}.").format(
        goal=_(GOAL_LABELS[goal.key]), year=year, held=len(goal.held), planned=len(goal.planned), target=goal.goal)
    missing = goal.goal - len(goal.held) - len(goal.planned)
    if missing > 0 and year == plan.today.year and date(year, 12, 31) - plan.today < YEAR_ENDING:
        line += " " + ngettext("{count} short of this year's goal.", "{count} short of this year's goal.", missing).format(count=missing)
    elif missing > 0:
        line += " " + ngettext("Plan {count} more", "Plan {count} more", missing).format(count=missing)
        gap = next((g for g in plan.gaps if g.start <= date(year, 12, 31) and g.start + timedelta(days=g.days) > date(year, 1, 1)),
                   None)  # the year's own next gap: next year's line does not name one of this year's
        if gap is not None:
            line += _("; next gap: {month}").format(month=fmt_month(_moment(max(gap.start, date(year, 1, 1))), lang, heading=False))
        line += "."
    return line


def progress_chart(goals: dict[int, list[pl.Goal]], today: date, lang: str, title: str,
                   marks: dict[int, list[tuple[str, date]]] | None = None) -> bytes:
    """Per year (side by side): held (solid) and held + planned (dashed) cumulatively, and the pace line to the goal;
    `marks` (8 March, 1 May breakfast, Pride) as labelled vertical lines on their days."""
    _ = translator(lang)
    fig, axes = plot.axes(10, 5.5, columns=len(goals))
    colours = [OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"]]
    for ax, (year, year_goals) in zip(axes, sorted(goals.items()), strict=True):
        start, end = date(year, 1, 1), date(year, 12, 31)
        for colour, goal in zip(colours, year_goals, strict=False):
            label = _(GOAL_LABELS[goal.key])
            if today < start:
                ax.plot([], [], color=colour, linewidth=3, label=label)
            else:  # held so far, drawn up to today
                held = [start, *goal.held, min(today, end)]
                ax.step(held, [*range(len(held) - 1), len(held) - 2], where="post", color=colour, linewidth=3, label=label)
            both = [start, *sorted(goal.held + goal.planned), end]
            ax.step(both, [*range(len(both) - 1), len(both) - 2], where="post", color=colour, linewidth=2, linestyle="--")
            ax.plot([start, end], [0, goal.goal], color=colour, linewidth=1.5, linestyle=":")
        for tag, day in (marks or {}).get(year, []):
            ax.axvline(day, color=OKABE_ITO["reddish_purple"], linewidth=2, linestyle="-.")
            ax.annotate(_(PRESENCE_LABELS[tag]), xy=(day, 1), xycoords=("data", "axes fraction"), xytext=(3, -4),
                        textcoords="offset points", rotation=90, va="top", fontsize=FONT - 3, color=OKABE_ITO["reddish_purple"])
        ax.set_title(str(year), fontsize=FONT + 2)
        ax.set_xlim(start, end)
        ax.set_xticks([date(year, m, 1) for m in (1, 4, 7, 10)])
        ax.set_xticklabels([fmt_month(_moment(date(year, m, 1)), lang)[:3] for m in (1, 4, 7, 10)], fontsize=FONT)
        ax.tick_params(axis="y", labelsize=FONT)
        ax.yaxis.get_major_locator().set_params(integer=True)
    axes[0].legend(fontsize=FONT - 3, loc="upper left")
    fig.suptitle(title + "\n" + _("solid: held · dashed: with planned · dotted: pace"), fontsize=FONT)
    return plot.png(fig)


def rounds(plan: pl.Plan, lang: str) -> Section:
    _ = translator(lang)
    goals = {y: [g for g in gs if g.key in ("rounds", "partner_rounds")] for y, gs in plan.goals.items()}
    lines = [_("🚪 Door-knocking rounds")]
    if plan.today.month == 1 and plan.year == plan.today.year:  # the year just ended is one command away
        lines.append(_("{year} is over: its figures are in /rapport aar {year}.").format(year=plan.year - 1))
    lines += [goal_line(g, y, plan, lang) for y, gs in sorted(goals.items()) for g in gs]
    for year, (teams, day) in sorted(plan.most_teams.items()):
        if day is None:
            lines.append(_("Most teams out at once {year}: none yet.").format(year=year))
        else:
            lines.append(_("Most teams out at once {year}: {count} ({date}).").format(
                year=year, count=teams, date=fmt_date(_moment(day), lang, year=False)))
    offered, accepted = plan.leaders  # "most teams" counts rounds held; what is planned only keeps "behind" away
    lines.append(_("Leader training {year}: offered {offered}, accepted {accepted}.").format(
        year=plan.year, offered=offered, accepted=accepted))
    if max([teams for teams, _day in plan.most_teams.values()] + [plan.teams_planned]) < 2:
        lines.append(_("Behind: give a round two teams, each with its own leader (/dorbank ledere)."))
    lines.append(_("More: /dorbank rapport"))
    return Section("rounds", "\n".join(lines), progress_chart(goals, plan.today, lang, _("Door-knocking rounds")))


def courses(plan: pl.Plan, lang: str) -> Section:
    _ = translator(lang)
    goals = {y: [g for g in gs if g.key in ("voter_course", "movements_meeting")] for y, gs in plan.goals.items()}
    lines = [_("🎓 Courses and meetings")]
    for y, gs in sorted(goals.items()):
        lines += [goal_line(g, y, plan, lang) for g in gs]
    lines += presence_lines(plan.presence, plan.year, lang)
    if pl.OPEN not in plan.presence.values():  # this year's days are past: what next year still lacks
        lines += presence_lines(plan.presence_next, plan.year + 1, lang)
    lines.append(_("More: /arrangementer rapport"))
    return Section("courses", "\n".join(lines), progress_chart(goals, plan.today, lang, _("Courses and meetings"), plan.marks))


PRESENCE_STATES = [(pl.HELD, N_("Present {year}: {days}")), (pl.PLANNED_DAY, N_("Planned {year}: {days}")),
                   (pl.MISSED, N_("Not held {year}: {days}")),
                   (pl.OPEN, N_("Not yet planned {year}: {days}. Tag the event when you create it."))]


def presence_lines(states: dict[str, str], year: int, lang: str) -> list[str]:
    """8 March, 1 May breakfast and Pride in a year: held, planned, past without being held, or not planned yet."""
    _ = translator(lang)
    lines = []
    for state, text in PRESENCE_STATES:
        days = [_(label) for tag, label in PRESENCE_LABELS.items() if states.get(tag) == state]
        if days:
            lines.append(_(text).format(year=year, days=", ".join(days)))
    return lines


def welcome(plan: pl.Plan, lang: str) -> Section:
    _ = translator(lang)
    report = plan.welcome
    late = len(report.late)
    still_open = max(0, report.new_members - report.contacted_in_time - late)
    share = round(100 * report.share_in_time)
    lines = [_("👋 Welcome calls {year}").format(year=plan.year),
             _("New members: {count}. Within 14 days: {in_time} ({share} %), late: {late}, not due yet: {open}.").format(
                 count=report.new_members, in_time=report.contacted_in_time, share=share, late=late, open=still_open)]
    if plan.welcome_late_before:
        ngettext = ngettext_for(lang)
        lines.append(ngettext("Still open from before {year}: {count} late welcome call (/velkomst).",
                              "Still open from before {year}: {count} late welcome calls (/velkomst).",
                              plan.welcome_late_before).format(year=plan.year, count=plan.welcome_late_before))
    if late or plan.welcome_late_before:
        lines.append(_("Behind: call the late ones first (/velkomst)."))
    lines.append(_("More: /velkomst rapport"))
    fig, ax = plot.axes(10, 5)
    months = list(range(1, 13))
    bottom = [0] * 12
    for index, (label, colour) in enumerate(((_("In time"), "bluish_green"), (_("Late"), "vermillion"),
                                             (_("Not due yet"), "sky_blue"))):
        values = [plan.welcome_by_month.get(m, (0, 0, 0))[index] for m in months]
        ax.bar(months, values, bottom=bottom, color=OKABE_ITO[colour], label=label)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(months)
    ax.set_xticklabels([fmt_month(_moment(date(plan.year, m, 1)), lang)[:3] for m in months])
    ax.set_title(_("Welcome calls: contacted within 14 days"), fontsize=FONT + 1)
    ax.tick_params(labelsize=FONT - 2)
    ax.legend(fontsize=FONT - 3)
    ax.yaxis.get_major_locator().set_params(integer=True)
    return Section("welcome", "\n".join(lines), plot.png(fig))


def ahead(plan: pl.Plan, lang: str) -> Section:
    _, ngettext = translator(lang), ngettext_for(lang)
    lines = [_("📅 Planning ahead")]
    if not plan.gaps:
        lines.append(_("Something is planned at least every three weeks in the coming 90 days."))
    for gap in sorted(plan.gaps, key=lambda gap: gap.start):  # every gap the chart shades, the nearest first
        days = ngettext("{count} day", "{count} days", gap.days).format(count=gap.days)
        lines.append(_("⚠️ Gap: nothing planned for {days} from {date}. Plan a round or an event then.").format(
            days=days, date=fmt_date(_moment(gap.start), lang)))
    fig, ax = plot.axes(10, 3.5)
    end = plan.today + timedelta(days=pl.AHEAD_DAYS)
    ax.scatter(plan.upcoming, [1] * len(plan.upcoming), s=140, color=OKABE_ITO["blue"], zorder=3)
    for gap in plan.gaps:
        ax.axvspan(gap.start, gap.start + timedelta(days=gap.days), color=OKABE_ITO["orange"], alpha=0.4)
    ax.set_xlim(plan.today, end)
    months = [date(d.year, d.month, 1) for d in (plan.today + timedelta(days=n) for n in range(1, pl.AHEAD_DAYS + 1)) if d.day == 1]
    ax.set_xticks(months)
    ax.set_xticklabels([fmt_month(_moment(m), lang) for m in months])
    ax.set_yticks([])
    ax.tick_params(labelsize=FONT)
    ax.set_title(_("The coming 90 days: dots are planned, orange is a gap"), fontsize=FONT)
    return Section("ahead", "\n".join(lines), plot.png(fig))


NO_DISTRICT = N_("No district")


def _district(code: str, lang: str) -> str:
    return translator(lang)(DISTRICT_LABELS.get(code, NO_DISTRICT))


def districts(plan: pl.Plan, lang: str) -> Section:
    _, ngettext = translator(lang), ngettext_for(lang)
    lines = [_("🏘 District chapters")]
    fig, ax = plot.axes(8, 5.5)
    if plan.pilots is None:
        lines.append(_("No mapping survey yet: send it from /undersokelse with “🏘 Send the district-chapter mapping”."))
        ax.text(0.5, 0.5, _("No mapping survey yet"), ha="center", va="center", fontsize=FONT + 2, transform=ax.transAxes)
        ax.set_axis_off()
    else:
        ready = [row for row in plan.pilots if row.ready]
        lines.append(_("Ready for a pilot: {ready} of the goal of {goal}.").format(ready=len(ready), goal=pl.PILOTS_GOAL))
        if len(ready) < pl.PILOTS_GOAL:
            lines.append(_("Behind: ask those who said maybe in the districts closest to ready."))
        for row in plan.pilots:
            mark = " ✅" if row.ready else ""
            lines.append("• " + _district(row.district, lang) + ": " + ngettext(
                "{count} wants to help", "{count} want to help", row.interested).format(count=row.interested) + ", " +
                _("{maybe} maybe, {roles} take a role").format(maybe=row.maybe, roles=row.roles) + mark)
        names = [_district(row.district, lang) for row in plan.pilots]
        colours = [OKABE_ITO["bluish_green"] if row.ready else OKABE_ITO["sky_blue"] for row in plan.pilots]
        ax.barh(names, [row.interested for row in plan.pilots], color=colours)
        ax.axvline(sv.PILOT_MIN_INTERESTED, color=OKABE_ITO["black"], linestyle=":", linewidth=2)
        ax.tick_params(labelsize=FONT)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title(_("Want to help start a district chapter (dotted: enough)"), fontsize=FONT)
    return Section("districts", "\n".join(lines), plot.png(fig))


def input_section(plan: pl.Plan, lang: str) -> Section:
    _ = translator(lang)
    found = plan.input
    door, answers = sum(found.door_by_theme.values()), sum(found.answers_by_kind.values())
    lines = [_("💬 Input {year}").format(year=plan.year),
             _("Door input: {door}. Answers to asks: {answers}.").format(door=door, answers=answers)]
    if found.door_by_theme:
        lines.append(_("At the doors: {themes}").format(themes=", ".join(
            f"{_(THEME_LABELS.get(t, t))} {n}" for t, n in sorted(found.door_by_theme.items(), key=lambda kv: -kv[1]))))
    if found.answers_by_kind:
        lines.append(_("Answers: {kinds}").format(kinds=", ".join(
            f"{_(ASK_LABELS.get(k, k))} {n}" for k, n in sorted(found.answers_by_kind.items(), key=lambda kv: -kv[1]))))
    if not door and not answers:
        lines.append(_("Behind: ask members what they hear (/nyttinnspill)."))
    codes = sorted(set(found.door_by_district) | set(found.answers_by_district))
    fig, ax = plot.axes(8, 5.5)
    names = [_district(code, lang) for code in codes]
    positions = list(range(len(codes)))
    ax.barh([p + 0.2 for p in positions], [found.door_by_district.get(c, 0) for c in codes], height=0.4,
            color=OKABE_ITO["orange"], label=_("Door input"))
    ax.barh([p - 0.2 for p in positions], [found.answers_by_district.get(c, 0) for c in codes], height=0.4,
            color=OKABE_ITO["blue"], label=_("Answers to asks"))
    ax.set_yticks(positions)
    ax.set_yticklabels(names)
    ax.tick_params(labelsize=FONT)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=FONT - 2)
    ax.set_title(_("Input by district"), fontsize=FONT + 1)
    return Section("input", "\n".join(lines), plot.png(fig))


def sections(plan: pl.Plan, lang: str) -> list[Section]:
    return [rounds(plan, lang), courses(plan, lang), welcome(plan, lang), ahead(plan, lang), districts(plan, lang),
            input_section(plan, lang)]


def markdown(parts: list[Section], plan: pl.Plan, lang: str) -> str:
    """The same figures for the command line: each section's text and its PNG."""
    _ = translator(lang)
    title = _("The plan {year}").format(year=plan.year)
    out = ["# " + title, ""]
    for part in parts:
        head, *rest = part.text.split("\n")
        out += [f"## {head}", "", *(f"- {line}" for line in rest), "", f"![{head}]({part.key}.png)", ""]
    return "\n".join(out)
