"""scripts/check_translations.py: what it reports, and that our templates pass it."""

import pytest

from tests.i18n import checker

CHECK = checker.load()


def problems(tmp_path, text: str, name: str = "page.html") -> list[tuple[int, str]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    original_root = CHECK.ROOT
    CHECK.ROOT = tmp_path
    try:
        return [(problem.line, problem.text) for problem in CHECK.template_problems(path)]
    finally:
        CHECK.ROOT = original_root


@pytest.mark.parametrize(
    ("template", "found"),
    [
        ("<p>Hello there</p>", [(1, "Hello there")]),
        ('{% load i18n %}\n<img src="x.png" alt="A smiling doctor">', [(2, "A smiling doctor")]),
        ('<input type="text" placeholder="Your name">', [(1, "Your name")]),
        ('<button aria-label="Close dialog">\u00d7</button>', [(1, "Close dialog")]),
        ('<a title="Opens in a new tab" href="/">→</a>', [(1, "Opens in a new tab")]),
        ('<input type="submit" value="Send it">', [(1, "Send it")]),
        ("<title>Welcome · {{ brand }}</title>", [(1, "Welcome ·")]),
        ("<p>{{ count }} unread</p>", [(1, "unread")]),
        ('<span aria-hidden="true">Seen, if not heard</span>', [(1, "Seen, if not heard")]),
        ("<p>\n\n  {% if x %}Line three{% endif %}</p>", [(3, "Line three")]),
        ("{% block body_class %}portal{% endblock %}<p>Shown</p>", [(1, "Shown")]),
    ],
)
def test_user_visible_text_outside_translate_tags_is_reported_with_its_line(tmp_path, template, found):
    assert problems(tmp_path, template) == found


@pytest.mark.parametrize(
    "template",
    [
        '{% load i18n %}<p>{% translate "Hello there" %}</p>',
        "{% load i18n %}<p>{% blocktranslate with n=name %}Hello {{ n }}, welcome{% endblocktranslate %}</p>",
        '{% load i18n %}<img alt="{% translate \'A smiling doctor\' %}" src="x.png">',
        "<p>{{ user.display_name }} · 12:30 \u2013 14:00 (3/4) €90</p>",
        "<script>const label = 'Not for people';</script><style>p::after { content: 'x y'; }</style>",
        "<pre><code>curl https://example.test/fhir/R4/metadata</code></pre>",
        "<p>© Daraport</p><p>PHQ-9 · GAD-7</p>",
        "{# A note for developers #}{% comment %}Also not shown{% endcomment %}",
        '<input type="text" value="Typed by a person">',
        '<p class="visually-hidden" aria-hidden="true">prejoin</p>',
    ],
)
def test_translated_technical_and_hidden_text_passes(tmp_path, template):
    assert problems(tmp_path, template) == []


def test_plain_text_emails_are_read_whole(tmp_path):
    text = '{% load i18n %}{% translate "Hello," %}\n\nSee you soon\n{{ url }}\n'
    assert problems(tmp_path, text, name="email.txt") == [(3, "See you soon")]


def test_every_template_of_ours_passes():
    found = CHECK.check_templates()
    assert not found, "\n".join(str(problem) for problem in found)


def test_catalog_entries_are_read_with_context_plurals_and_flags(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#: a.py:1\nmsgid "Save"\nmsgstr "Speichern"\n\n'
        '#, fuzzy\nmsgid "Send"\nmsgstr "Senden"\n\n'
        'msgctxt "taxonomy"\nmsgid "Chat"\nmsgstr ""\n\n'
        'msgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "%(n)s Tag"\nmsgstr[1] ""\n\n'
        'msgid ""\n"Two "\n"lines \\"quoted\\""\nmsgstr "Zwei Zeilen"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Weg"\n',
        encoding="utf-8",
    )
    entries = CHECK.read_po(po)
    assert set(entries) == {
        (None, "Save"),
        (None, "Send"),
        ("taxonomy", "Chat"),
        (None, "%(n)s day"),
        (None, 'Two lines "quoted"'),
    }
    assert entries[(None, "Send")].fuzzy and not entries[(None, "Save")].fuzzy
    assert entries[(None, "%(n)s day")].translations == {0: "%(n)s Tag", 1: ""}
    assert entries[("taxonomy", "Chat")].translations == {0: ""}
