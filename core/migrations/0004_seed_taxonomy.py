"""The starting taxonomy. Platform staff extend it in the admin."""

from django.db import migrations

TAGS = {
    "specialization": [
        ("anxiety", "Anxiety"), ("depression", "Depression"), ("stress", "Stress and burnout"),
        ("trauma", "Trauma and PTSD"), ("relationships", "Relationships"), ("grief", "Grief and loss"),
        ("sleep", "Sleep"), ("adhd", "ADHD"), ("eating", "Eating and body image"),
        ("addiction", "Addiction"), ("self-esteem", "Self-esteem"), ("career", "Career and work"),
        ("parenting", "Parenting"), ("lgbtq", "LGBTQ+ affirming care"), ("ocd", "OCD"),
        ("chronic-illness", "Living with chronic illness"), ("nutrition", "Nutrition"),
        ("general-medicine", "General medicine"),
    ],
    "approach": [
        ("cbt", "Cognitive behavioural therapy (CBT)"), ("act", "Acceptance and commitment therapy (ACT)"),
        ("psychodynamic", "Psychodynamic"), ("emdr", "EMDR"), ("mindfulness", "Mindfulness-based"),
        ("solution-focused", "Solution-focused"), ("person-centred", "Person-centred"),
        ("systemic", "Systemic / family"), ("coaching", "Coaching"), ("dbt", "Dialectical behaviour therapy (DBT)"),
    ],
    "language": [
        ("en", "English"), ("de", "German"), ("es", "Spanish"), ("pt", "Portuguese"), ("fr", "French"),
        ("it", "Italian"), ("nl", "Dutch"), ("pl", "Polish"), ("tr", "Turkish"), ("ar", "Arabic"),
        ("uk", "Ukrainian"), ("ru", "Russian"), ("zh", "Chinese"), ("hi", "Hindi"),
    ],
    "modality": [("video", "Video"), ("chat", "Chat"), ("phone", "Phone"), ("in-person", "In person")],
    "jurisdiction": [
        ("de", "Germany"), ("at", "Austria"), ("ch", "Switzerland"), ("fr", "France"), ("es", "Spain"),
        ("pt", "Portugal"), ("it", "Italy"), ("nl", "Netherlands"), ("be", "Belgium"), ("ie", "Ireland"),
        ("gb", "United Kingdom"), ("us-ny", "United States – New York"), ("us-ca", "United States – California"),
        ("br", "Brazil"), ("mx", "Mexico"), ("ca-on", "Canada – Ontario"),
    ],
}


def seed(apps, schema_editor):
    Tag = apps.get_model("core", "Tag")
    for kind, tags in TAGS.items():
        for slug, name in tags:
            Tag.objects.update_or_create(kind=kind, slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("core", "0003_tag")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
