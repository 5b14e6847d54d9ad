"""The plan document as one self-contained HTML page a phone opens directly.

The same Markdown the learner gets as a file, rendered by markdown-it-py (CommonMark plus
tables); raw HTML in the source is not passed through, so a pasted prompt stays text.
"""

from __future__ import annotations

from html import escape

from markdown_it import MarkdownIt

_STYLE = """
body{font:16px/1.5 -apple-system,system-ui,sans-serif;margin:0 auto;max-width:46rem;
padding:1rem;color:#1b1b1b;background:#fff}
h1{font-size:1.4rem}h2{font-size:1.2rem;margin-top:1.6rem;border-bottom:1px solid #ddd}
h3{font-size:1.05rem}pre{white-space:pre-wrap;background:#f4f4f4;padding:.6rem;border-radius:6px}
code{font-size:.9em}.table{overflow-x:auto}table{border-collapse:collapse;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.3rem .45rem;vertical-align:top}th{background:#f0f0f0}
@media (prefers-color-scheme:dark){body{background:#121212;color:#e6e6e6}
pre{background:#1e1e1e}th{background:#222}th,td{border-color:#444}}
"""

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def render_html(markdown: str, title: str) -> str:
    """A complete HTML page for `markdown`; tables scroll sideways on a narrow screen."""
    body = _MARKDOWN.render(markdown)
    body = body.replace("<table>", '<div class="table"><table>').replace(
        "</table>", "</table></div>"
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n{body}</body></html>\n"
    )
