"""The bars of the overview's charts: a label, a count and a disclosed total, and the
lengths relative to the chart's longest bar (``stats``, ``trends`` and ``schematic``)."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass
class Bar:
    """One bar of a chart: a label, how many projects and their disclosed total (万元).

    The shares are lengths from 0 to 100 relative to the chart's longest bar.
    """

    label: str
    count: int
    amount: Decimal | None
    url: str = ""
    key: str = ""
    count_share: float = 0.0
    amount_share: float = 0.0

    @property
    def centred_x(self) -> float:
        """Where a bar centred in a 100-wide box starts (the funnel)."""
        return round((100 - self.count_share) / 2, 2)

    @property
    def column_y(self) -> float:
        """Where a column rising from the bottom of a 100-high box starts."""
        return round(100 - self.count_share, 2)


def scale(bars: list[Bar]) -> list[Bar]:
    """Give each bar its length as a share (0–100) of the longest, per measure."""
    top_count = max((b.count for b in bars), default=0)
    top_amount = max((b.amount or 0 for b in bars), default=0)
    for bar in bars:
        bar.count_share = round(100 * bar.count / top_count, 1) if top_count else 0
        bar.amount_share = (
            round(float(100 * (bar.amount or 0) / top_amount), 1) if top_amount else 0
        )
    return bars
