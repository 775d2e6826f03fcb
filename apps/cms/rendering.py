"""Markdown -> HTML for page bodies, in one place (the public site, the public API, the admin's
preview). markdown-it-py with raw HTML off: a `<script>` in a body is shown as text, never run;
links keep only safe schemes (markdown-it's validateLink refuses javascript:, vbscript:, file:).
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt


@cache
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def render_markdown(text: str) -> str:
    """Sanitised HTML for Markdown `text`."""
    return _renderer().render(text)
