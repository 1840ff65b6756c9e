"""The overview's district map: a schematic, not a boundary map.

Each district is a labelled block in a grid (a tile-grid cartogram), placed
roughly where it lies in the city: west to the left, the Yellow River side at
the bottom. The blocks are HTML in a CSS grid, so names stay readable and every
block is a link even on a phone. It shows where projects land without drawing any boundary, so it is
not a map in the sense of the 地图管理条例 and needs no 地图审核 (a published
boundary map would; see docs/public.md). The positions are vendored here, keyed
by the district's name; no tile server, no file or request leaves the site.

A district the grid does not know (another city's, a new zone) still gets a
block: the free cells after the known ones, in name order, so the schematic
never drops a district.
"""

from dataclasses import dataclass

# 焦作市: (column, row) of each district or zone, a schematic of their relative places.
GRID = {
    "博爱县": (1, 0),
    "中站区": (2, 0),
    "解放区": (3, 0),
    "山阳区": (4, 0),
    "马村区": (5, 0),
    "修武县": (6, 0),
    "沁阳市": (0, 1),
    "示范区（高新区）": (4, 1),
    "孟州市": (0, 2),
    "温县": (2, 2),
    "武陟县": (4, 2),
}
COLUMNS = 7
# Five shades from the fewest to the most projects (CSS classes ``shade-0`` … ``shade-4``).
SHADES = 5


@dataclass
class Tile:
    bar: object  # bars.Bar: label, count, amount, url
    column: int  # from 0, left to right
    row: int  # from 0, top to bottom
    shade: int

    @property
    def place(self) -> str:
        """Its place as CSS classes (overview.css: ``gc-1`` … ``gc-7``, ``gr-1`` … ``gr-10``;
        public pages carry no style attribute). A row past the tenth flows on its own."""
        return f"gr-{self.row + 1} gc-{self.column + 1}"

    @property
    def short_label(self) -> str:
        """The name as it fits a block (示范区（高新区） → 示范区)."""
        return str(self.bar.label).split("（")[0]


@dataclass
class Schematic:
    tiles: list[Tile]
    columns: int
    rows: int


def _shade(count: int, top: int) -> int:
    if not count or not top:
        return 0
    return min(SHADES - 1, 1 + (SHADES - 2) * count // top)


def tiles(bars) -> Schematic:
    """Blocks for the district bars (the city-level bar has no place on it)."""
    bars = [b for b in bars if b.key != "city"]
    top = max((b.count for b in bars), default=0)
    taken = set()
    placed, unplaced = [], []
    for bar in bars:
        cell = GRID.get(str(bar.label))
        if cell is None or cell in taken:
            unplaced.append(bar)
        else:
            taken.add(cell)
            placed.append(Tile(bar, *cell, _shade(bar.count, top)))
    cell = 0
    for bar in sorted(unplaced, key=lambda b: str(b.label)):
        while divmod(cell, COLUMNS)[::-1] in taken:
            cell += 1
        row, column = divmod(cell, COLUMNS)
        taken.add((column, row))
        placed.append(Tile(bar, column, row, _shade(bar.count, top)))
    # Crop to the blocks there are (a ledger of three districts is not a wide empty grid).
    left = min((t.column for t in placed), default=0)
    high = min((t.row for t in placed), default=0)
    for tile in placed:
        tile.column, tile.row = tile.column - left, tile.row - high
    columns = max((t.column for t in placed), default=0) + 1
    rows = max((t.row for t in placed), default=0) + 1
    return Schematic(sorted(placed, key=lambda t: (t.row, t.column)), columns, rows)
