"""The public landing page promises only what the product does today:
finding and matching, booking, consents and forms, secure messages."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_landing_page_promises_only_what_the_product_does(client, org):
    page = client.get(reverse("core:landing")).content.decode()
    assert "Find the right specialist and book a time that suits you." in page
    for promise in ("answer a few questions for a shortlist", "forms, consents and messages", "Secure messages"):
        assert promise in page
    assert not re.search(r"video|wherever you are|from anywhere", page, re.IGNORECASE)
