"""Charts as PNG bytes for the chat (matplotlib without a display, imported only when drawing)."""

from __future__ import annotations

import io
from typing import Any


def axes(width: float, height: float, *, columns: int | None = None) -> tuple[Any, Any]:
    """A new figure and its axes (a list of `columns` side by side when given)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if columns is not None:
        fig, grid = plt.subplots(1, columns, figsize=(width, height), dpi=100, squeeze=False)
        return fig, list(grid[0])
    return plt.subplots(figsize=(width, height), dpi=100)


def png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    for ax in fig.axes:  # counts with nothing to count: 0 to 1, not matplotlib's −0.05 to 0.05
        for get, put in ((ax.get_ylim, ax.set_ylim), (ax.get_xlim, ax.set_xlim)):
            low, high = get()
            if low < 0 < high < 0.1:
                put(0, 1)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def bar_chart(labels: list[str], values: list[int], title: str, *, colors: str | list[str] = "#c8102e",
              ylabel: str | None = None, size: tuple[float, float] = (8, 4)) -> bytes:
    fig, ax = axes(*size)
    ax.bar(labels, values, color=colors)
    ax.set_title(title)
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.yaxis.get_major_locator().set_params(integer=True)  # counts of things: no half rounds
    return png(fig)
