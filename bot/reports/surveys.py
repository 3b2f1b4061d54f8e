"""A survey's results for the board, in the chat and on the command line: counts per option and by
district as text and a chart, free text as Markdown and CSV, and the district-chapter pilot table."""

from __future__ import annotations

from bot.csvfile import csv_text
from bot.i18n import ngettext_for, translator
from bot.reports import charts as plot
from bot.reports.rounds import DISTRICT_LABELS
from bot.survey_messages import words
from models import surveys as sv
from models.member import DISTRICTS
from models.survey_results import NO_DISTRICT, PilotRow, QuestionResult, Results

COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")  # Okabe–Ito


def district_name(code: str, lang: str) -> str:
    _ = translator(lang)
    if code == NO_DISTRICT:
        return _("no district")
    return _(DISTRICT_LABELS[code]) if code in DISTRICT_LABELS else code


def option_label(survey: sv.Survey, result: QuestionResult, code: str, lang: str) -> str:
    if result.question.kind == sv.DISTRICT:
        return district_name(code, lang)
    label = next((o["label"] for o in result.question.options or [] if o["key"] == code), code)
    return words(survey, label, lang)


def codes_of(result: QuestionResult) -> list[str]:
    return sv.options_of(result.question)


def text(results: Results, lang: str) -> str:
    _, ngettext = translator(lang), ngettext_for(lang)
    survey = results.survey
    state = _("open") if survey.status == sv.OPEN else _("closed")
    lines = [f"📊 #{survey.id} {words(survey, survey.title, lang)} ({state})",
             _("Answers: {count} (finished: {done}, filled in by callers: {callers})").format(
                 count=results.responses, done=results.completed, callers=results.by_caller)]
    for number, result in enumerate(results.questions, 1):
        lines += ["", f"{number}. {words(survey, result.question.text, lang)}"]
        if result.question.kind == sv.FREE_TEXT:
            lines.append(ngettext("{count} written answer (see the file)", "{count} written answers (see the file)",
                                  len(result.texts)).format(count=len(result.texts)))
            continue
        for code in codes_of(result):
            districts = [f"{district_name(d, lang)} {counts[code]}" for d, counts in sorted(result.by_district.items())
                         if counts.get(code)]
            detail = f" ({', '.join(districts)})" if districts else ""
            lines.append(f"• {option_label(survey, result, code, lang)}: {result.counts.get(code, 0)}{detail}")
    return "\n".join(lines)


def chart(results: Results, lang: str) -> bytes | None:
    """One horizontal bar chart per choice question, stacked by district; tall and narrow for a phone."""
    choice = [r for r in results.questions if r.question.kind != sv.FREE_TEXT]
    if not choice:
        return None
    _ = translator(lang)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, grid = plt.subplots(len(choice), 1, figsize=(6, 1.2 + 2.4 * len(choice)), dpi=110, squeeze=False)
    districts = [*DISTRICTS, NO_DISTRICT]
    for ax, result in zip((row[0] for row in grid), choice, strict=True):
        codes = codes_of(result)
        labels = [option_label(results.survey, result, c, lang)[:24] for c in codes][::-1]
        left = [0] * len(codes)
        for colour, district in zip(COLOURS, districts, strict=False):
            values = [result.by_district.get(district, {}).get(c, 0) for c in codes][::-1]
            if any(values):
                ax.barh(labels, values, left=left, color=colour, label=district_name(district, lang))
                left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_title(words(results.survey, result.question.text, lang)[:60], fontsize=10)
        ax.xaxis.get_major_locator().set_params(integer=True)
        if any(left):
            ax.legend(fontsize=8, loc="lower right")
    fig.suptitle(_("Answers by district"), fontsize=11)
    return plot.png(fig)


def free_text_markdown(results: Results, lang: str) -> str:
    _ = translator(lang)
    survey = results.survey
    lines = [f"# {words(survey, survey.title, lang)}", ""]
    for result in results.questions:
        if result.question.kind != sv.FREE_TEXT:
            continue
        lines += [f"## {words(survey, result.question.text, lang)}", ""]
        for district, written, name in result.texts:
            who = f" — {name}" if name else ""
            lines.append(f"- **{district_name(district, lang)}**{who}: {written}")
        if not result.texts:
            lines.append(_("(no answers)"))
        lines.append("")
    return "\n".join(lines)


def free_text_csv(results: Results, lang: str) -> str:
    _ = translator(lang)
    rows = [[words(results.survey, r.question.text, lang), district_name(d, lang), name or "", written]
            for r in results.questions if r.question.kind == sv.FREE_TEXT for d, written, name in r.texts]
    return csv_text([_("Question"), _("District"), _("Name"), _("Answer")], rows)


def counts_csv(results: Results, lang: str) -> str:
    """Every option's count, in total and per district (for the command line's --csv)."""
    _ = translator(lang)
    districts = [*DISTRICTS, NO_DISTRICT]
    header = [_("Question"), _("Answer"), _("Total"), *(district_name(d, lang) for d in districts)]
    rows = []
    for result in results.questions:
        if result.question.kind == sv.FREE_TEXT:
            rows += [[words(results.survey, result.question.text, lang), written, 1,
                      *(1 if d == district else 0 for d in districts)] for district, written, _n in result.texts]
            continue
        for code in codes_of(result):
            rows.append([words(results.survey, result.question.text, lang), option_label(results.survey, result, code, lang),
                         result.counts.get(code, 0), *(result.by_district.get(d, {}).get(code, 0) for d in districts)])
    return csv_text(header, rows)


def pilot_text(rows: list[PilotRow], lang: str) -> str:
    _ = translator(lang)
    lines = [_("🏘 Where a district-chapter pilot has enough people (at least {people} who want to help start one "
               "and {roles} who will lead it or sit on its board):").format(people=sv.PILOT_MIN_INTERESTED,
                                                                           roles=sv.PILOT_MIN_ROLES)]
    for row in sorted(rows, key=lambda r: (-r.ready, -r.interested, r.district)):
        mark = "✅" if row.ready else "▫️"
        lines.append(_("{mark} {district}: {yes} yes, {maybe} maybe, {roles} will take a role ({answered} answered)").format(
            mark=mark, district=district_name(row.district, lang), yes=row.interested, maybe=row.maybe, roles=row.roles,
            answered=row.answered))
    return "\n".join(lines)


def pilot_chart(rows: list[PilotRow], lang: str) -> bytes:
    _ = translator(lang)
    fig, ax = plot.axes(6, 4.5)
    names = [district_name(r.district, lang) for r in rows]
    positions = range(len(rows))
    ax.barh([p + 0.2 for p in positions], [r.interested for r in rows], height=0.4, color=COLOURS[0], label=_("Yes"))
    ax.barh([p - 0.2 for p in positions], [r.roles for r in rows], height=0.4, color=COLOURS[1], label=_("Will take a role"))
    ax.axvline(sv.PILOT_MIN_INTERESTED, color=COLOURS[7], linestyle="--", linewidth=1)
    ax.set_yticks(list(positions), names)
    ax.invert_yaxis()
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(_("District chapters: who wants one"))
    ax.legend(fontsize=9, loc="lower right")
    return plot.png(fig)
