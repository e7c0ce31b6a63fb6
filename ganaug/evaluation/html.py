"""``report.html``: the Markdown summary and the plots in one self-contained file (no network needed).

The summary's Markdown is the small subset :mod:`ganaug.evaluation.reports`
writes (headings, paragraphs, lists, quotes, tables, ``code`` and **bold**),
so it is converted here rather than with a Markdown package. Plots are
embedded as base64 PNG data.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping
from pathlib import Path

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f3f3; }
blockquote { border-left: 4px solid #d9822b; margin: 0.8rem 0; padding: 0.3rem 1rem; background: #fff6ec; }
figure { margin: 1.5rem 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9rem; }
code { background: #f3f3f3; padding: 0 0.2rem; }
"""

CAPTIONS = {
    "metrics": "Downstream scores per sampler, with the intervals the summary describes.",
    "class_recall": "Recall of each class per sampler (mean over folds and classifiers).",
    "losses": "Training losses per epoch of each GAN (fitted once more on all rows, for diagnostics).",
    "marginals": "Real rows of each grown class against the synthetic rows made for it, column by column.",
    "samples": "Real images (left) beside synthetic ones (right), one row per class.",
}


def html_report(markdown: str, images: Mapping[str, Path], title: str = "ganaug evaluation") -> str:
    """A whole HTML page: ``markdown`` converted, then each image of ``{file name: path}`` embedded."""
    figures = []
    for name, path in images.items():
        data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
        caption = CAPTIONS.get(name.split("_")[0].split(".")[0], "")
        figures.append(f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{data}">'
                       f"<figcaption><code>{html.escape(name)}</code>: {html.escape(caption)}</figcaption>"
                       "</figure>")
    body = markdown_to_html(markdown)
    plots = "<h2>Plots</h2>\n" + "\n".join(figures) if figures else ""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
            f"</title><style>{STYLE}</style></head>\n<body>\n{body}\n{plots}\n</body></html>\n")


def markdown_to_html(markdown: str) -> str:
    """The Markdown subset of ganaug's summaries as HTML."""
    out, paragraph, items = [], [], []
    lines = markdown.splitlines()
    i = 0

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>")
            items.clear()

    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            flush()
        elif line.startswith("#"):
            flush()
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{_inline(line[level:].strip())}</h{level}>")
        elif line.startswith("> "):
            flush()
            out.append(f"<blockquote>{_inline(line[2:])}</blockquote>")
        elif line.startswith("- "):
            if paragraph:
                flush()
            items.append(line[2:])
        elif line.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            out.append(_table(rows))
            continue
        else:
            paragraph.append(line)
        i += 1
    flush()
    return "\n".join(out)


def _table(rows: list[str]) -> str:
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    header, body = cells[0], [r for r in cells[1:] if not all(set(c) <= set("-: ") for c in r)]
    head = "".join(f"<th>{_inline(c)}</th>" for c in header)
    rows_html = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in body)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows_html}</tbody></table>"


def _inline(text: str) -> str:
    text = html.escape(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)
