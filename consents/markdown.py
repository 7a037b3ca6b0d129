"""Markdown written by organizations and specialists, as safe HTML.

Two layers: raw HTML in the source is never passed through (the Markdown
parser treats it as text, so `<script>` shows literally), and the output is
sanitised with an allow-list (nh3): headings, paragraphs, lists, emphasis,
quotes, code and links. Links keep only http, https and mailto addresses and
always carry rel="nofollow noopener noreferrer"; every other attribute
(`onclick`, `hx-get`, `style`, …) is dropped.
"""

from __future__ import annotations

import markdown as markdown_lib
import nh3
from markdown.extensions import Extension

TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li",
    "em", "strong", "blockquote", "code", "pre", "a",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"


class _NoRawHtml(Extension):
    """Turn off Python-Markdown's raw HTML (block and inline): written HTML
    becomes escaped text."""

    def extendMarkdown(self, md):  # the library names it so
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def _only_absolute_links(tag: str, attribute: str, value: str) -> str | None:
    # Relative and scheme-less addresses could point anywhere inside the
    # site; a consent text links out or to an email address only.
    if tag == "a" and attribute == "href" and not value.lower().startswith(("http://", "https://", "mailto:")):
        return None
    return value


def render(text: str) -> str:
    """`text` (Markdown) as sanitised HTML, ready to mark safe."""
    html = markdown_lib.markdown(text or "", extensions=[_NoRawHtml(), "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        attribute_filter=_only_absolute_links,
        strip_comments=True,
    )
