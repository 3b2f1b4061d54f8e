"""One bar chart (PNG) for every report that draws one; matplotlib is imported only when drawing."""

from __future__ import annotations

import io


def bar_chart(labels: list[str], values: list[int], title: str, *, colors: str | list[str] = "#c8102e",
              ylabel: str | None = None, size: tuple[float, float] = (8, 4)) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=size, dpi=100)
    ax.bar(labels, values, color=colors)
    ax.set_title(title)
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.yaxis.get_major_locator().set_params(integer=True)  # counts of things: no half rounds
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()
