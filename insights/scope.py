"""What every insights figure is counted over: the organization's sessions
(or one specialist's, or one program's patients'), and the calendar
helpers the figures share."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.models import Appointment
from organizations.models import Organization, Program
from specialists.models import SpecialistProfile


def check_scope(
    organization: Organization, specialist: SpecialistProfile | None, program: Program | None = None
) -> None:
    if specialist is not None and specialist.organization_id != organization.pk:
        raise ValidationError(_("This specialist is not one of this organization's."), code="foreign_specialist")
    if program is not None and program.organization_id != organization.pk:
        raise ValidationError(_("This program is not one of this organization's."), code="foreign_program")


def sessions_in_scope(organization: Organization, specialist: SpecialistProfile | None, program: Program | None = None):
    """The organization's sessions (or one specialist's); with `program`,
    only those of the program's patients (one enrolment per patient and
    program: the join adds no rows)."""
    # The organization's specialists as a subquery the database hashes once,
    # not a join to their table for every session.
    sessions = Appointment.objects.filter(specialist__in=organization.specialist_profiles.values("pk"))
    if specialist is not None:
        sessions = sessions.filter(specialist=specialist)
    if program is not None:
        sessions = sessions.filter(patient__program_enrolments__program=program)
    return sessions


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()
