"""Organization, Practitioner, PractitionerRole and Patient."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from booking.models import Appointment
from care.models import CareRelationship
from consents.models import ConsentSignature, FormResponse
from core.models import Tag
from organizations.models import Membership, Organization
from payments.models import Payment
from specialists.models import SpecialistProfile

from .common import base, email_telecom, language, prune, ref

User = get_user_model()

ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
# Organization.Kind → organization-type (prov: healthcare provider, bus:
# a business that is not one, other).
ORGANIZATION_KIND = {
    Organization.Kind.CLINIC: "prov",
    Organization.Kind.EMPLOYER: "bus",
    Organization.Kind.BRAND: "other",
}
# SpecialistProfile.Gender → administrative-gender.
GENDER = {
    SpecialistProfile.Gender.WOMAN: "female",
    SpecialistProfile.Gender.MAN: "male",
    SpecialistProfile.Gender.NON_BINARY: "other",
    SpecialistProfile.Gender.UNDISCLOSED: "unknown",
}


# --- Organization -------------------------------------------------------------


def organization_rows(organization) -> QuerySet[Organization]:
    return Organization.objects.filter(pk=organization.pk)


def organization_rows_for_patient(user) -> QuerySet[Organization]:
    """Every organization the patient's record points at: where they are a
    member, whose specialists they saw or wrote to, whose consents they
    signed and who billed them."""
    specialists = practitioner_rows_for_patient(user)
    return Organization.objects.filter(
        Q(Exists(Membership.objects.filter(organization=OuterRef("pk"), user=user, role=Membership.Role.PATIENT)))
        | Q(Exists(specialists.filter(organization=OuterRef("pk"))))
        | Q(Exists(ConsentSignature.objects.filter(patient=user, version__document__organization=OuterRef("pk"))))
        | Q(Exists(Payment.objects.filter(patient=user, organization=OuterRef("pk"))))
    ).order_by("pk")


def organization_resource(organization, *, with_text=False) -> dict:
    return prune(
        {
            **base("Organization", organization),
            "active": True,
            "type": [{"coding": [{"system": ORGANIZATION_TYPE, "code": ORGANIZATION_KIND[organization.kind]}]}],
            "name": organization.name,
        }
    )


# --- Practitioner and PractitionerRole ----------------------------------------


def _profiles() -> QuerySet[SpecialistProfile]:
    return (
        SpecialistProfile.objects.select_related("user", "organization")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("kind", "name")))
        .order_by("pk")
    )


def practitioner_rows(organization) -> QuerySet[SpecialistProfile]:
    return _profiles().filter(organization=organization)


def practitioner_rows_for_patient(user) -> QuerySet[SpecialistProfile]:
    """The specialists the patient booked, wrote to or answered forms for."""
    return _profiles().filter(
        Q(Exists(Appointment.objects.filter(patient=user, specialist=OuterRef("pk"))))
        | Q(Exists(CareRelationship.objects.filter(patient=user, specialist=OuterRef("pk"))))
        | Q(Exists(FormResponse.objects.filter(patient=user, specialist=OuterRef("pk"))))
    )


def practitioner_resource(profile, *, with_text=False) -> dict:
    languages = [tag for tag in profile.tags.all() if tag.kind == Tag.Kind.LANGUAGE]
    return prune(
        {
            **base("Practitioner", profile),
            "active": profile.user.is_active,
            "name": [{"use": "usual", "text": profile.display_name}],
            "telecom": email_telecom(profile.user.email),
            "gender": GENDER.get(profile.gender, "unknown"),
            "qualification": [{"code": {"text": profile.credentials}}] if profile.credentials else [],
            "communication": [language(tag.slug, tag.name) for tag in languages],
        }
    )


def practitioner_role_resource(profile, *, with_text=False) -> dict:
    specialties = [tag for tag in profile.tags.all() if tag.kind == Tag.Kind.SPECIALIZATION]
    return prune(
        {
            **base("PractitionerRole", profile),
            "active": profile.status == SpecialistProfile.Status.APPROVED and profile.user.is_active,
            "practitioner": ref("Practitioner", profile.public_id),
            "organization": ref("Organization", profile.organization.public_id),
            "specialty": [{"text": tag.name} for tag in specialties],
            "telecom": email_telecom(profile.user.email),
        }
    )


# --- Patient ------------------------------------------------------------------


def patient_rows(organization) -> QuerySet:
    """The organization's patients: its patient members and everyone its
    specialists booked, cared for, billed or collected consents and forms
    from (so every reference in the export has its Patient)."""
    user = OuterRef("pk")
    return User.objects.filter(
        Q(Exists(Membership.objects.filter(user=user, organization=organization, role=Membership.Role.PATIENT)))
        | Q(Exists(Appointment.objects.filter(patient=user, specialist__organization=organization)))
        | Q(Exists(CareRelationship.objects.filter(patient=user, specialist__organization=organization)))
        | Q(Exists(ConsentSignature.objects.filter(patient=user, version__document__organization=organization)))
        | Q(Exists(FormResponse.objects.filter(patient=user, version__form__organization=organization)))
        | Q(Exists(Payment.objects.filter(patient=user, organization=organization)))
    ).order_by("pk")


def patient_rows_for_patient(user) -> QuerySet:
    return User.objects.filter(pk=user.pk)


def patient_resource(user, *, with_text=False) -> dict:
    names = [{"use": "official", "text": user.full_name}] if user.full_name else []
    if user.preferred_name:
        names.append({"use": "usual", "given": [user.preferred_name]})
    return prune(
        {
            **base("Patient", user),
            "active": user.is_active,
            "name": names,
            "telecom": email_telecom(user.email),
            "communication": [{"language": language(user.locale), "preferred": True}] if user.locale else [],
        }
    )
