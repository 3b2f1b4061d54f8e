"""Charts as PNG bytes for the chat (matplotlib without a display)."""

from __future__ import annotations

import io
from typing import Any


def axes(width: float, height: float) -> tuple[Any, Any]:
    """A new figure and its axes; matplotlib is imported only when a chart is drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height), dpi=100)


def png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()
