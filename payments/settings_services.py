"""Changing how an organization takes money: its billing settings, when
each service is paid, and what each program covers.

Each change writes an audit row and a journey event. Payments already
created keep the terms they were created on (they are snapshots).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.models import AuditLog
from core.services import audit_record, journey_event_record
from organizations.models import Organization, Program
from specialists.models import Offering

from .models import BillingModel, BillingSettings, OfferingTiming, PaymentTiming, ProgramBilling

SETTINGS_FIELDS = (
    "enabled",
    "model",
    "stripe_account_id",
    "default_timing",
    "fee_basis_points",
    "fee_fixed_minor",
    "late_cancellation_refund_percent",
    "no_show_fee_percent",
    "legal_name",
    "address",
    "tax_label",
    "tax_basis_points",
    "tax_id",
)
# A program's billing that follows the organization's in everything.
PROGRAM_DEFAULTS = {"covered_sessions": 0, "model": "", "fee_basis_points": None, "fee_fixed_minor": None}


def billing_settings_update(*, organization: Organization, by, request=None, **values) -> BillingSettings:
    """Set `organization`'s billing settings (the form checked the ranges;
    the database constraints hold them too)."""
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown billing settings: {sorted(unknown)}")
    if values.get("model", BillingModel.PLATFORM) not in BillingModel.values:
        raise ValidationError(_("Choose a billing model."), code="model")
    with transaction.atomic():
        billing, _created = BillingSettings.objects.update_or_create(organization=organization, defaults=values)
        audit_record(request=request, actor=by, action=AuditLog.Action.WRITE, obj=organization)
        journey_event_record(
            actor=by,
            verb="billing.settings_changed",
            obj=organization,
            data={"enabled": billing.enabled, "model": billing.model, "timing": billing.default_timing},
        )
    return billing


def offering_timing_set(*, offering: Offering, timing: str, by, request=None) -> OfferingTiming | None:
    """When `offering` is paid; "" goes back to the organization's default.
    Nothing is written when it does not change."""
    if timing and timing not in PaymentTiming.values:
        raise ValidationError(_("Choose when this service is paid."), code="timing")
    with transaction.atomic():
        current = OfferingTiming.objects.select_for_update().filter(offering=offering).first()
        if (current.timing if current else "") == timing:
            return current
        if timing:
            current, _created = OfferingTiming.objects.update_or_create(offering=offering, defaults={"timing": timing})
        else:
            current.delete()
            current = None
        audit_record(request=request, actor=by, action=AuditLog.Action.WRITE, obj=offering)
        journey_event_record(
            actor=by, verb="billing.offering_timing_changed", obj=offering, data={"timing": timing or "default"}
        )
    return current


def program_billing_update(
    *,
    program: Program,
    covered_sessions: int,
    model: str,
    fee_basis_points: int | None,
    fee_fixed_minor: int | None,
    by,
    request=None,
) -> ProgramBilling | None:
    """What `program` covers and its own model or fee ("" / None: the
    organization's). Nothing is written when it does not change, and no
    row is made for a program that keeps every default."""
    if model and model not in BillingModel.values:
        raise ValidationError(_("Choose a billing model."), code="model")
    values = {
        "covered_sessions": covered_sessions,
        "model": model,
        "fee_basis_points": fee_basis_points,
        "fee_fixed_minor": fee_fixed_minor,
    }
    with transaction.atomic():
        current = ProgramBilling.objects.select_for_update().filter(program=program).first()
        if current is None and values == PROGRAM_DEFAULTS:
            return None
        if current is not None and all(getattr(current, name) == value for name, value in values.items()):
            return current
        current, _created = ProgramBilling.objects.update_or_create(program=program, defaults=values)
        audit_record(request=request, actor=by, action=AuditLog.Action.WRITE, obj=program)
        journey_event_record(
            actor=by,
            verb="billing.program_changed",
            obj=program,
            data={"covered_sessions": covered_sessions, "model": model or "default"},
        )
    return current


def billing_page_save(
    *,
    organization: Organization,
    by,
    request=None,
    settings: dict,
    timings: dict[Offering, str],
    programs: dict[Program, dict],
) -> BillingSettings:
    """Everything the billing page sends, in one transaction: all of it is
    saved or none. Offerings and programs of other organizations are refused."""
    with transaction.atomic():
        billing = billing_settings_update(organization=organization, by=by, request=request, **settings)
        for offering, timing in timings.items():
            if offering.specialist.organization_id != organization.pk:
                raise ValidationError(_("That service is not one of your organization's."), code="not_yours")
            offering_timing_set(offering=offering, timing=timing, by=by, request=request)
        for program, values in programs.items():
            if program.organization_id != organization.pk:
                raise ValidationError(_("That program is not one of your organization's."), code="not_yours")
            program_billing_update(program=program, by=by, request=request, **values)
    return billing
