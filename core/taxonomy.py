"""Taxonomy names (core.models.Tag) in the reader's language.

Tags are reference data: seeded by core/migrations/0004_seed_taxonomy.py
and extended by platform staff in the admin. The database keeps the
English name; pages show `tag_name(name)`, its translation. The seeded
names are listed below so makemessages puts them in the catalogs (with the
context "taxonomy", which tells translators what they are); a name staff
add later reads as written until it is added here and translated.
tests/i18n/test_taxonomy.py keeps this list equal to the seeded one.
"""

from collections.abc import Iterable

from django.utils.translation import pgettext, pgettext_lazy

CONTEXT = "taxonomy"


def tag_name(name: str) -> str:
    """The name of a tag in the active language."""
    return pgettext(CONTEXT, name)


def translated_tags(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(slug, name) pairs → (slug, name in the active language), in the
    order that language's names read (the database sorts the English ones)."""
    return sorted(((slug, tag_name(name)) for slug, name in pairs), key=lambda pair: pair[1].casefold())


SEEDED_NAMES = (
    # specialization
    pgettext_lazy("taxonomy", "Anxiety"),
    pgettext_lazy("taxonomy", "Depression"),
    pgettext_lazy("taxonomy", "Stress and burnout"),
    pgettext_lazy("taxonomy", "Trauma and PTSD"),
    pgettext_lazy("taxonomy", "Relationships"),
    pgettext_lazy("taxonomy", "Grief and loss"),
    pgettext_lazy("taxonomy", "Sleep"),
    pgettext_lazy("taxonomy", "ADHD"),
    pgettext_lazy("taxonomy", "Eating and body image"),
    pgettext_lazy("taxonomy", "Addiction"),
    pgettext_lazy("taxonomy", "Self-esteem"),
    pgettext_lazy("taxonomy", "Career and work"),
    pgettext_lazy("taxonomy", "Parenting"),
    pgettext_lazy("taxonomy", "LGBTQ+ affirming care"),
    pgettext_lazy("taxonomy", "OCD"),
    pgettext_lazy("taxonomy", "Living with chronic illness"),
    pgettext_lazy("taxonomy", "Nutrition"),
    pgettext_lazy("taxonomy", "General medicine"),
    # approach
    pgettext_lazy("taxonomy", "Cognitive behavioural therapy (CBT)"),
    pgettext_lazy("taxonomy", "Acceptance and commitment therapy (ACT)"),
    pgettext_lazy("taxonomy", "Psychodynamic"),
    pgettext_lazy("taxonomy", "EMDR"),
    pgettext_lazy("taxonomy", "Mindfulness-based"),
    pgettext_lazy("taxonomy", "Solution-focused"),
    pgettext_lazy("taxonomy", "Person-centred"),
    pgettext_lazy("taxonomy", "Systemic / family"),
    pgettext_lazy("taxonomy", "Coaching"),
    pgettext_lazy("taxonomy", "Dialectical behaviour therapy (DBT)"),
    # language
    pgettext_lazy("taxonomy", "English"),
    pgettext_lazy("taxonomy", "German"),
    pgettext_lazy("taxonomy", "Spanish"),
    pgettext_lazy("taxonomy", "Portuguese"),
    pgettext_lazy("taxonomy", "French"),
    pgettext_lazy("taxonomy", "Italian"),
    pgettext_lazy("taxonomy", "Dutch"),
    pgettext_lazy("taxonomy", "Polish"),
    pgettext_lazy("taxonomy", "Turkish"),
    pgettext_lazy("taxonomy", "Arabic"),
    pgettext_lazy("taxonomy", "Ukrainian"),
    pgettext_lazy("taxonomy", "Russian"),
    pgettext_lazy("taxonomy", "Chinese"),
    pgettext_lazy("taxonomy", "Hindi"),
    # modality
    pgettext_lazy("taxonomy", "Video"),
    pgettext_lazy("taxonomy", "Chat"),
    pgettext_lazy("taxonomy", "Phone"),
    pgettext_lazy("taxonomy", "In person"),
    # jurisdiction
    pgettext_lazy("taxonomy", "Germany"),
    pgettext_lazy("taxonomy", "Austria"),
    pgettext_lazy("taxonomy", "Switzerland"),
    pgettext_lazy("taxonomy", "France"),
    pgettext_lazy("taxonomy", "Spain"),
    pgettext_lazy("taxonomy", "Portugal"),
    pgettext_lazy("taxonomy", "Italy"),
    pgettext_lazy("taxonomy", "Netherlands"),
    pgettext_lazy("taxonomy", "Belgium"),
    pgettext_lazy("taxonomy", "Ireland"),
    pgettext_lazy("taxonomy", "United Kingdom"),
    pgettext_lazy("taxonomy", "United States – New York"),  # noqa: RUF001 (as seeded)
    pgettext_lazy("taxonomy", "United States – California"),  # noqa: RUF001 (as seeded)
    pgettext_lazy("taxonomy", "Brazil"),
    pgettext_lazy("taxonomy", "Mexico"),
    pgettext_lazy("taxonomy", "Canada – Ontario"),  # noqa: RUF001 (as seeded)
)
