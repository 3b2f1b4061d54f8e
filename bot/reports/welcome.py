"""The board's welcome-call report: the text and its chart, for the chat and the command line alike."""

from __future__ import annotations

from bot.i18n import fmt_number, ngettext_for, translator
from bot.reports import charts as plot
from models import welcome as wl


def text(figures: wl.Report, days: int, lang: str) -> str:
    """New members in the period, the share contacted within 14 days, median days, late ones by name."""
    _, ngettext = translator(lang), ngettext_for(lang)
    share = round(100 * figures.share_in_time)
    median = fmt_number(figures.median_days, lang) if figures.median_days is not None else "–"
    lines = [ngettext("Welcome calls, the last {days} day", "Welcome calls, the last {days} days", days).format(days=days),
             # Welcome calls, not join dates: a verified supporter has one too (the digest counts the register's).
             _("Welcome calls (new members and verified supporters): {count}").format(count=figures.new_members),
             _("Contacted within 14 days: {count} ({share} %; the goal is all of them)").format(
                 count=figures.contacted_in_time, share=share),
             # As the chart and /rapport count them: the share is of all new members, so say how many are not due yet.
             _("Late: {late} · not due yet: {open}").format(
                 late=len(figures.late), open=max(0, figures.new_members - figures.contacted_in_time - len(figures.late))),
             _("Median days to first contact: {days}").format(days=median)]
    if figures.late:
        lines += ["", _("Late:")]
        for name, age in figures.late:
            since = ngettext("{days} day since joining", "{days} days since joining", age).format(days=age)
            lines.append(f"• {name} ({since})")
    return "\n".join(lines)


def chart(figures: wl.Report, lang: str) -> bytes:
    _ = translator(lang)
    late = len(figures.late)
    values = [figures.contacted_in_time, late, max(0, figures.new_members - figures.contacted_in_time - late)]
    labels = [_("In time"), _("Late"), _("Not due yet")]
    fig, ax = plot.axes(6, 3.5)
    ax.bar(labels, values, color=["#2e7d32", "#c8102e", "#9e9e9e"])
    ax.set_title(_("Welcome calls: contacted within 14 days"))
    ax.yaxis.get_major_locator().set_params(integer=True)
    return plot.png(fig)
