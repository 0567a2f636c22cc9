"""Tables as Markdown, for every report.md: rows of values, or the cells of a rich table."""

from __future__ import annotations

import math

from rich.table import Table

__all__ = ["markdown_table", "rich_markdown"]


def markdown_table(rows: list[dict], columns: list[str]) -> str:
    """Rows as a Markdown table (floats to 4 decimals), every column kept; a "|" inside a cell is escaped."""

    def cell(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        return (f"{v:+.4f}" if isinstance(v, float) else str(v)).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def rich_markdown(table: Table) -> str:
    """A rich table as Markdown: its title, its cells (no width limit), its caption."""
    columns = [str(c.header) for c in table.columns]
    cells = [list(c.cells) for c in table.columns]
    rows = [dict(zip(columns, (str(col[i]) for col in cells))) for i in range(table.row_count)]
    caption = f"\n\n{table.caption}" if table.caption else ""
    return f"**{table.title}**\n\n" + markdown_table(rows, columns) + caption
