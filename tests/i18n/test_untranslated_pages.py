"""The main pages of every portal, in German and Spanish, hold no English
sentence of ours: each text a person reads (or hears) is checked against
the English messages of the catalogs, and any one found is named with its
page. It fails until every message is translated and compiled."""

import re
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from organizations.models import Membership
from tests.conftest import member
from tests.i18n import checker

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sd]")


CHECKER = checker.load()


@cache
def english_messages() -> re.Pattern:
    """Our English messages of two words or more (shorter ones, such as
    "Video", may read the same in another language), as one pattern; a
    placeholder matches any text."""
    msgids = set()
    for language, _name in settings.LANGUAGES:
        po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
        if po.exists():
            msgids |= {msgid for (_context, msgid), entry in CHECKER.read_po(po).items() if entry.translations}
    patterns = []
    for msgid in sorted(msgids, key=len, reverse=True):
        text = " ".join(msgid.split())
        if len(PLACEHOLDER.sub("", text).split()) < 2:
            continue
        parts = [re.escape(part) for part in PLACEHOLDER.split(text)]
        patterns.append(r"\S.*?".join(parts) if len(parts) > 1 else parts[0])
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)")


class _Texts(CHECKER._TextFinder):
    """Every text of a rendered page a person reads, with its line."""

    def _report(self, text, line):
        text = " ".join(text.split())
        if text:
            self.problems.append((line, text))


def untranslated(html: str) -> list[str]:
    finder = _Texts("page")
    finder.feed(html)
    finder.close()
    pattern = english_messages()
    return sorted({match.group(0) for _line, text in finder.problems for match in pattern.finditer(text)})


def _pages(org) -> dict[str, list[str]]:
    slug = org.slug
    return {
        "anonymous": [reverse("core:landing"), reverse("account_login"), reverse("account_signup")],
        "patient": [
            reverse(name)
            for name in [
                "core:patient-home",
                "discovery:directory",
                "booking:patient-appointments",
                "payments:history",
                "patients:intake",
                "consents:flow",
                "messaging:patient-inbox",
                "core:patient-notifications",
                "accounts:settings",
            ]
        ],
        "specialist": [
            reverse(name)
            for name in [
                "core:specialist-home",
                "booking:specialist-appointments",
                "booking:calendar",
                "care:specialist-patients",
                "messaging:specialist-inbox",
                "specialists:profile-edit",
                "specialists:offerings",
                "payments:specialist-revenue",
                "consents:specialist-author-home",
            ]
        ],
        "admin": [
            reverse(name, args=[slug])
            for name in [
                "organizations:home",
                "care:org-patients",
                "booking:org-bookings",
                "specialists:org-specialists",
                "payments:org-financials",
                "organizations:members",
                "booking:org-policy",
            ]
        ],
        "affiliate": [reverse(name) for name in ["affiliates:home", "affiliates:links", "affiliates:statements"]],
    }


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE])
def test_the_main_pages_hold_no_untranslated_english(client, org, language):
    people = {
        "anonymous": None,
        "patient": member(org, Membership.Role.PATIENT, locale=language),
        "specialist": member(org, Membership.Role.SPECIALIST, locale=language),
        "admin": member(org, Membership.Role.ADMIN, locale=language),
        "affiliate": member(org, Membership.Role.AFFILIATE, locale=language),
    }
    found = []
    for persona, urls in _pages(org).items():
        client.logout()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        if people[persona]:
            client.force_login(people[persona])
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code == 200, f"{persona} {url}: {response.status_code}"
            assert response["Content-Language"] == language
            found += [f"{url} ({persona}): {text!r}" for text in untranslated(response.content.decode())]
    assert not found, f"{len(found)} English text(s) in the {language} pages:\n" + "\n".join(found)
