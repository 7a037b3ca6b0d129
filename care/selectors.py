from django.db.models import Count, Q, QuerySet

from specialists.models import SpecialistProfile

from .models import CareRelationship


def care_relationship_list_for_patient(*, user) -> QuerySet[CareRelationship]:
    return (
        CareRelationship.objects.filter(patient=user, status=CareRelationship.Status.ACTIVE)
        .select_related("specialist", "specialist__user")
        .order_by("-started_at")
    )


def active_patient_counts(*, specialist_ids, program=None) -> dict[int, int]:
    """Active relationships per specialist profile id (optionally within one program)."""
    condition = Q(care_relationships__status=CareRelationship.Status.ACTIVE)
    if program is not None:
        condition &= Q(care_relationships__program=program)
    rows = (
        SpecialistProfile.objects.filter(pk__in=specialist_ids)
        .annotate(active=Count("care_relationships", filter=condition))
        .values_list("pk", "active")
    )
    return dict(rows)


def patient_ids_of_specialist(specialist) -> QuerySet:
    """Ids of the patients in active care with `specialist`."""
    return CareRelationship.objects.filter(specialist=specialist, status=CareRelationship.Status.ACTIVE).values(
        "patient_id"
    )
