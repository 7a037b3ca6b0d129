"""Message text is plain text: links become links, any HTML stays text."""

from html.parser import HTMLParser

import pytest

from messaging.templatetags.messaging import linkify


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def test_a_web_address_becomes_a_link_that_opens_apart():
    html = linkify("See https://example.org/a?b=1&c=2, then reply.")
    [(tag, attrs)] = tags_of(html)
    assert tag == "a"
    assert attrs["href"] == "https://example.org/a?b=1&c=2"
    assert attrs["rel"] == "nofollow noopener noreferrer"
    assert attrs["target"] == "_blank"
    assert html.endswith(", then reply.")


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<b>bold</b>",
        '<div hx-get="/patient/" hx-trigger="load">x</div>',
        '<a href="javascript:alert(1)">click</a>',
        "javascript:alert(1)",
        '"><img src=x onerror=alert(1)>',
        'https://example.org/"><script>alert(1)</script>',
    ],
)
def test_html_in_a_message_comes_out_as_inert_text(text):
    html = linkify(text)
    for tag, attrs in tags_of(html):
        assert tag == "a", html
        assert attrs["href"].startswith(("http://", "https://")), html
        assert not any(name.startswith(("hx-", "on")) for name in attrs), html
    assert "<script" not in html
    assert "<b>" not in html
    assert "javascript:" not in "".join(attrs.get("href", "") for _, attrs in tags_of(html))


def test_an_email_address_is_not_made_a_link():
    assert tags_of(linkify("write to someone@example.org")) == []
    assert "someone@example.org" in linkify("write to someone@example.org")
