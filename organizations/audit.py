"""The organization's audit log viewer: who read or changed which record,
when and from where, among the people who are (or were) its members.

A person may belong to several organizations; their actions inside
another organization's portal (paths under /org/<its slug>/) belong to
that organization and never show here. Pages read in a fixed number of
queries whatever their length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from core.models import AuditLog

from .models import Membership, Organization

CSV_ROW_LIMIT = 5000


@dataclass
class AuditFilters:
    person: str = ""
    action: str = ""
    content_type: ContentType | None = None
    start_at: datetime | None = None  # inclusive
    end_at: datetime | None = None  # exclusive
    notices: list[str] = field(default_factory=list)


@dataclass
class AuditRow:
    entry: AuditLog
    roles: list[str]
    url: str = ""


def _own_rows(organization: Organization) -> QuerySet[AuditLog]:
    members = Membership.objects.filter(organization=organization, user_id=OuterRef("actor_id"))
    elsewhere = Q(path__startswith="/org/") & ~Q(path__startswith=f"/org/{organization.slug}/")
    return AuditLog.objects.filter(Exists(members)).exclude(elsewhere)


def audit_list_for_organization(organization: Organization, filters: AuditFilters) -> QuerySet[AuditLog]:
    """The audit rows of the organization's members, newest first."""
    queryset = _own_rows(organization).select_related("actor", "content_type")
    if filters.person:
        term = filters.person
        queryset = queryset.filter(Q(actor__full_name__icontains=term) | Q(actor__email__icontains=term))
    if filters.action:
        queryset = queryset.filter(action=filters.action)
    if filters.content_type is not None:
        queryset = queryset.filter(content_type=filters.content_type)
    if filters.start_at is not None:
        queryset = queryset.filter(at__gte=filters.start_at)
    if filters.end_at is not None:
        queryset = queryset.filter(at__lt=filters.end_at)
    return queryset.order_by("-at", "-id")


def audit_object_types(organization: Organization) -> list[ContentType]:
    """The kinds of object the organization's rows point at (one query)."""
    used = _own_rows(organization).filter(content_type__isnull=False).values("content_type")
    return sorted(ContentType.objects.filter(pk__in=used), key=lambda kind: kind.name)


def audit_rows(organization: Organization, entries) -> list[AuditRow]:
    """`entries` with each actor's roles in the organization and a link to
    the organization's page of the object where there is one: two queries
    per page."""
    entries = list(entries)
    actor_ids = {entry.actor_id for entry in entries if entry.actor_id}
    roles: dict[int, list[str]] = {}
    patients: set = set()
    for membership in Membership.objects.filter(organization=organization, user_id__in=actor_ids).order_by("role"):
        roles.setdefault(membership.user_id, []).append(str(membership.get_role_display()))
    user_type = ContentType.objects.get_for_model(get_user_model())
    user_ids = {entry.object_public_id for entry in entries if entry.content_type_id == user_type.pk}
    if user_ids:
        patients = set(
            Membership.objects.filter(
                organization=organization, role=Membership.Role.PATIENT, user__public_id__in=user_ids
            ).values_list("user__public_id", flat=True)
        )
    rows = []
    for entry in entries:
        url = ""
        if entry.content_type_id == user_type.pk and entry.object_public_id in patients:
            url = reverse("care:org-patient", args=[organization.slug, entry.object_public_id])
        elif entry.content_type_id and entry.object_public_id == organization.public_id:
            url = reverse("organizations:home", args=[organization.slug])
        rows.append(AuditRow(entry=entry, roles=roles.get(entry.actor_id, []), url=url))
    return rows
