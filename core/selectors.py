"""The one door for ids in URLs."""

import uuid

from django.db.models import Model, QuerySet
from django.http import Http404


def get_for_user(queryset: QuerySet, public_id) -> Model:
    """The object with `public_id` from `queryset`, which is already narrowed
    to what the user may see; anything else is 404, never 403, so the
    existence of other people's records does not leak.
    """
    try:
        return queryset.get(public_id=uuid.UUID(str(public_id)))
    except (ValueError, queryset.model.DoesNotExist):
        raise Http404 from None
