"""A folder's report.md and figures as one self-contained HTML page (``emergence report DIR --html``)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from ..results import ResultsError, ResultsFolder, atomic_write

__all__ = ["write_html"]

_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
img { max-width: 100%; display: block; margin: 1rem 0; }
code, pre { background: #f6f6f6; font-size: 13px; }
pre { padding: 0.5rem; overflow-x: auto; }
"""


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def write_html(folder: str | Path) -> Path:
    """Write ``report.html`` beside ``report.md``: the report, every figure it links embedded, and the
    folder's other figures after it; returns the page's path."""
    from markdown_it import MarkdownIt  # rich's own Markdown parser

    folder = ResultsFolder(folder)
    source = folder.report_path
    if not source.exists():
        raise ResultsError(f"{source}: no report to render; run `emergence report {folder}` first")
    text = source.read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((figures/[^)]+\.png)\)", text))
    others = [name for name in map(folder.relative, folder.figures()) if name not in linked]
    if others:
        text += "\n\n## Figures\n\n" + "\n\n".join(f"![{Path(p).stem}]({p})" for p in others) + "\n"
    body = MarkdownIt("commonmark").enable("table").render(text)
    body = re.sub(r'src="(figures/[^"]+\.png)"', lambda m: f'src="{_data_uri(folder.path / m.group(1))}"', body)
    title = re.search(r"<h1>(.*?)</h1>", body)
    page = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>'
        f"{title.group(1) if title else folder.path.name}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )
    target = folder.html_path
    atomic_write(target, lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))
    return target
