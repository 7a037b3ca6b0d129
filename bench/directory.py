"""Server-side timings of the public directory with 1,000 specialists.

`make bench` runs this after the foundation pages, in the same throw-away
database. On its own:

    DJANGO_SETTINGS_MODULE=daraport.settings.test python -m bench.directory

Specialists are written with bulk_create (users, memberships, profiles, tags,
offerings), then each page is requested many times through Django's test
client; p50/p95 are in milliseconds, with the SQL queries per request and
how many specialists the request found.
"""

import os
import random
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.test")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from bench import analyze, measure, on_test_database  # noqa: E402
from core.models import Tag  # noqa: E402
from organizations.models import Membership, Organization  # noqa: E402
from specialists.models import Offering, SpecialistProfile  # noqa: E402

SPECIALISTS = int(os.environ.get("BENCH_SPECIALISTS", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))

FIRST = ["Anna", "Bruno", "Chris", "Dora", "Emre", "Fatima", "Giulia", "Hana", "Ivan", "Jonas", "Kemal", "Lea",
         "Marta", "Nils", "Olga", "Paulo", "Rosa", "Sami", "Tomas", "Ute", "Vera", "Wim", "Yara", "Zoe"]  # fmt: skip
LAST = ["Becker", "Costa", "Doyle", "Engel", "Yilmaz", "Haddad", "Romano", "Novak", "Kowalski", "Schmidt",
        "Silva", "Dubois", "Jansen", "Moreau", "Rossi", "Weber", "Fischer", "Lopez", "Meyer", "Nowak"]  # fmt: skip
HEADLINES = [
    "Calm, practical support for anxiety and stress",
    "Couples and family therapy",
    "Trauma-informed therapy at your pace",
    "Burnout, work and finding your footing",
    "Grief and loss, gently",
    "Coaching for ADHD and focus",
    "Sleep, mood and everyday struggles",
]
BIO = (
    "I work with adults online and in person. Sessions are calm and structured: we agree on goals together "
    "and check in on them as we go. {extra}"
)
ALL_FILTERS = (
    "q=calm&specialization=anxiety&specialization=stress&language=en&language=de&modality=video"
    "&gender=woman&min_price=5000&max_price=15000&sort=price"
)


def build(count: int = SPECIALISTS, seed: int = 7) -> Organization:
    """`count` specialists of one organization, about 90% of them public."""
    rng = random.Random(seed)
    org, _ = Organization.objects.get_or_create(slug="bench-directory", defaults={"name": "Bench Directory"})
    tags = {kind: list(Tag.objects.filter(kind=kind)) for kind, _ in Tag.Kind.choices}
    users = User.objects.bulk_create(
        User(email=f"bench-specialist-{n}@bench.test", full_name=f"Bench {n}", password="!") for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(user=user, organization=org, role=Membership.Role.SPECIALIST) for user in users
    )
    genders = [value for value, _ in SpecialistProfile.Gender.choices]
    statuses = [SpecialistProfile.Status.APPROVED] * 9 + [SpecialistProfile.Status.PENDING]
    profiles = SpecialistProfile.objects.bulk_create(
        SpecialistProfile(
            user=user,
            organization=org,
            slug=f"bench-{n}",
            display_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            pronouns=rng.choice(["", "she/her", "he/him", "they/them"]),
            headline=rng.choice(HEADLINES),
            bio=BIO.format(extra=rng.choice(HEADLINES)),
            gender=rng.choice(genders),
            status=rng.choice(statuses),
            accepting_new_patients=rng.random() < 0.85,
        )
        for n, user in enumerate(users)
    )
    through = SpecialistProfile.tags.through
    rows = []
    for profile in profiles:
        chosen = (
            rng.sample(tags[Tag.Kind.SPECIALIZATION], rng.randint(2, 4))
            + rng.sample(tags[Tag.Kind.LANGUAGE], rng.randint(1, 3))
            + rng.sample(tags[Tag.Kind.MODALITY], rng.randint(1, 3))
            + rng.sample(tags[Tag.Kind.APPROACH], rng.randint(1, 2))
            + rng.sample(tags[Tag.Kind.JURISDICTION], 1)
        )
        english = next(tag for tag in tags[Tag.Kind.LANGUAGE] if tag.slug == "en")
        if rng.random() < 0.6 and english not in chosen:
            chosen.append(english)
        rows += [through(specialistprofile_id=profile.pk, tag_id=tag.pk) for tag in chosen]
    through.objects.bulk_create(rows)
    offerings = []
    for profile in profiles:
        if rng.random() < 0.05:
            continue  # no offerings yet
        for position in range(rng.randint(1, 3)):
            offerings.append(
                Offering(
                    specialist=profile,
                    name=["First session", "Follow-up", "Couples session"][position],
                    duration_minutes=[50, 50, 80][position],
                    price_minor=rng.randrange(4000, 20001, 500),
                    position=position,
                    is_active=rng.random() < 0.9,
                    booking_mode=rng.choice(list(Offering.BookingMode.values)),
                )
            )
    Offering.objects.bulk_create(offerings)
    analyze()
    return org


def found_shown(timing) -> str:
    """How many specialists the page's list found, when it has one."""
    context = timing.response.context
    return str(context["page"].paginator.count) if "page" in context else ""


def run(rounds: int = ROUNDS) -> None:
    """Build the specialists and print the directory's timings."""
    start = time.perf_counter()
    build()
    built = time.perf_counter() - start
    public = SpecialistProfile.objects.filter(status=SpecialistProfile.Status.APPROVED).count()
    sample = SpecialistProfile.objects.filter(status=SpecialistProfile.Status.APPROVED).order_by("pk")[:3]
    slugs = [profile.slug for profile in sample]
    pages = [
        ("directory, no filters", "/specialists/", {}),
        ("directory, all filters", f"/specialists/?{ALL_FILTERS}", {}),
        ("directory, all filters (htmx)", f"/specialists/?{ALL_FILTERS}", {"HTTP_HX_REQUEST": "true"}),
        ("directory, page 10", "/specialists/?page=10", {}),
        ("profile page", f"/specialists/{slugs[0]}/", {}),
        ("compare three", "/specialists/compare/?" + "&".join(f"s={slug}" for slug in slugs), {}),
    ]
    print()
    print(
        f"directory: {SPECIALISTS} specialists ({public} public) built in {built:.1f} s; "
        f"{connection.vendor}, {rounds} requests per page"
    )
    print(f"{'page':32} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'found':>6}")
    client = Client()
    for label, path, headers in pages:
        timing = measure(client, path, rounds, **headers)
        print(f"{label:32} {timing.p50:8.2f} {timing.p95:8.2f} {timing.queries:8d} {found_shown(timing):>6}")


def main() -> None:
    on_test_database(run)


if __name__ == "__main__":
    main()
