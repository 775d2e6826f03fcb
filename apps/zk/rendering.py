"""Markdown -> HTML for notes, in one place (the API's preview, the admin's change page).

markdown-it-py with raw HTML off: `<script>` in a note is shown as text, never run. Links keep
only safe schemes (markdown-it's validateLink refuses javascript:, vbscript:, file: and data:
other than images). The admin's live preview runs markdown-it (the JavaScript original) with the
same options, so what an author sees while typing is what the server renders.
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt


@cache
def _renderer() -> MarkdownIt:
    # "commonmark" plus tables and strikethrough, as the browser's markdown-it "default" preset.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def render_markdown(text: str) -> str:
    """Sanitised HTML for Markdown `text`."""
    return _renderer().render(text)
