"""Consent text is Markdown shown as sanitised HTML: formatting works, raw
HTML and scripts never do."""

from html.parser import HTMLParser

import pytest
from django.template import Context, Template

from consents.markdown import render


def test_headings_lists_emphasis_and_links_are_kept():
    html = render("# Title\n\n## Part\n\n- one\n- two\n\n1. first\n\n*soft* **strong** [site](https://example.org)")
    assert "<h1>Title</h1>" in html and "<h2>Part</h2>" in html
    assert "<ul>\n<li>one</li>" in html and "<ol>" in html
    assert "<em>soft</em>" in html and "<strong>strong</strong>" in html
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">site</a>' in html


def test_mailto_links_are_kept():
    assert 'href="mailto:privacy@example.org"' in render("[write](mailto:privacy@example.org)")


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "data:text/html,<b>x</b>", "/accounts/logout/", "//evil.example/x", "vbscript:x"]
)
def test_other_links_lose_their_address(link):
    html = render(f"[click]({link})")
    assert "href" not in html
    assert "click" in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        'Hello <img src=x onerror="alert(1)">',
        '<div onclick="steal()">x</div>',
        '<button hx-get="/patient/consents/" hx-trigger="load">x</button>',
        "<style>body{display:none}</style>",
        '<a href="https://example.org" onclick="x()">x</a>',
        "<iframe src=https://evil.example></iframe>",
    ],
)
def test_raw_html_comes_out_as_inert_text(source):
    html = render(source)
    for tag in ("<script", "<img", "<div", "<button", "<style", "<iframe", "<a "):
        assert tag not in html
    assert "&lt;" in html  # shown as text, not dropped silently
    assert attributes(html) <= {("a", "href"), ("a", "title"), ("a", "rel")}


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found += [(tag, name) for name, _ in attrs]


def attributes(html: str) -> set:
    parser = _Attributes()
    parser.feed(html)
    return set(parser.found)


@pytest.mark.parametrize(
    "source", ['[x](https://example.org "t" onclick="a")', '[x](https://example.org "t\\" onclick=\\"a")']
)
def test_attributes_cannot_be_smuggled_through_a_link_title(source):
    assert attributes(render(source)) <= {("a", "href"), ("a", "title"), ("a", "rel")}


def test_the_template_filter_marks_the_sanitised_html_safe():
    template = Template("{% load consents %}{{ text|safe_markdown }}")
    html = template.render(Context({"text": "**Yes** <script>x()</script>"}))
    assert "<strong>Yes</strong>" in html
    assert "<script" not in html and "&lt;script&gt;" in html


def test_empty_text_renders_nothing():
    assert render("") == "" and render(None) == ""
