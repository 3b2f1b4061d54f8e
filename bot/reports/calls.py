"""A phone round's progress for the board: the figures as text and as a chart."""

from __future__ import annotations

from bot.i18n import translator
from bot.reports import charts as plot
from models import phonebank as pb


def text(figures: pb.Progress, lang: str, name: str) -> str:
    """Targets total / reached / signed up / not reached / wrong number / do-not-call, and per caller."""
    _ = translator(lang)
    lines = [
        f"📊 {name}",
        _("People to call: {count}").format(count=figures.total),
        _("Reached: {count}").format(count=figures.reached),
        _("Signed up: {count}").format(count=figures.signed_up),
        *([_("On the waiting list (the round or event is full): {count}").format(count=figures.waiting)] if figures.waiting else []),
        _("Will phone others: {count}").format(count=figures.will_call),
        _("Not reached: {count}").format(count=figures.not_reached),
        _("Wrong number: {count}").format(count=figures.wrong_number),
        _("Do not call: {count}").format(count=figures.do_not_call),
        *([_("Erased their data before being reached: {count}").format(count=figures.erased)] if figures.erased else []),
        _("Still to call: {count}").format(count=figures.open),
        "",
        _("Calls per caller:"),
    ]
    erased = _("(deleted)")  # a caller who erased their data since
    lines += [f"• {caller or erased}: {count}" for caller, count in figures.per_caller] or ["–"]
    return "\n".join(lines)


def chart(figures: pb.Progress, lang: str, name: str) -> bytes:
    _ = translator(lang)
    labels = [_("Signed up"), _("Waiting list"), _("Reached"), _("Not reached"), _("Wrong number"), _("Do not call"), _("Still to call")]
    values = [figures.signed_up, figures.waiting, figures.reached, figures.not_reached, figures.wrong_number, figures.do_not_call, figures.open]
    if figures.erased:
        labels.insert(-1, _("Erased their data"))
        values.insert(-1, figures.erased)
    fig, ax = plot.axes(8, 4)
    ax.barh(labels[::-1], values[::-1], color="#c8102e")
    ax.set_title(name)
    ax.xaxis.get_major_locator().set_params(integer=True)
    return plot.png(fig)
