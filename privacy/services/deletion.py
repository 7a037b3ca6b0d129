"""A patient's account deletion: the request, and erasure after retention.

Asking (`account_deletion_request`) deactivates the account at once: every
session ends, the patient's memberships are revoked, their coming sessions
are called off through the appointment lifecycle (both sides get the usual
cancellation notice) and an email confirms the request. Their personal data
stays untouched until `erase_after`: the longest record retention
(`Organization.record_retention_years`, 10 years unless an organization
sets otherwise) of every organization that holds records of them, because
clinics must keep treatment records that long (e.g. BGB 630f in Germany).
Then the daily sweep (`accounts_erase_due`) erases it.

Erased (deleted, or emptied in place where other rows point at the row):
- the account's name, preferred name and email address (replaced by a
  pseudonym, "Erased patient 1a2b3c4d" and an address at erased.invalid),
  its password (made unusable), every email address, third-party sign-in,
  second factor, session, object permission and notification;
- the intake answers (`patients.Intake`);
- every form response (answers and scores) and the patient's care contexts;
- from consent signatures: the typed name, IP address, browser and
  withdrawal reason;
- every message of the patient's conversations, theirs and their
  specialists', with the attachment files, and their read markers;
- draft clinical note texts, feedback comments, notes on availability
  requests and proposals, cancellation reasons;
- video preferences; every "download my data" zip and its file.

Kept, pointing at the pseudonymised account:
- the audit log and the journey events (append-only; they hold ids, never
  the data), so "who read what, when" still answers;
- payments, refunds, receipt numbers, commissions and referrals (amounts,
  dates, currency): tax and accounting law keeps them; a receipt rendered
  now shows the pseudonym;
- appointments (times, statuses, specialist, service), their events,
  video session timestamps, care relationships, program enrolments, terms
  acceptances and the bare consent signature rows (which version, when
  signed and withdrawn): they carry no personal content once the account
  is pseudonymised, and the financial and audit rows point at them;
- signed clinical notes and their amendments: the database refuses any
  change to them (care migration 0002), as the specialist's signed record;
  encrypted at rest, they now point at the pseudonym;
- this `DeletionRequest`, with when it was erased.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from functools import partial

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission

from accounts.models import User
from booking.models import Appointment, AvailabilityRequest, Proposal
from booking.services import appointment_transition
from booking.states import ALLOWED, AppointmentStatus
from care.models import ClinicalNote, Feedback
from consents.models import CareContext, ConsentSignature, FormResponse
from core import outbox
from core.models import AuditLog, Notification
from core.services import audit_record, journey_event_record
from core.timeutils import format_in_zone
from messaging.models import Message, ReadMarker
from organizations.models import Membership, Organization
from organizations.services import membership_revoke
from patients.models import Intake
from payments.models import Payment
from video.models import VideoPreference

from .. import tasks
from ..models import DataExport, DeletionRequest

S = AppointmentStatus
# Every status an appointment can be called off from.
CANCELLABLE = tuple(status for status, targets in ALLOWED.items() if S.CANCELLED in targets)
ERASED_DOMAIN = "erased.invalid"


def retention_years_for(user) -> int:
    """The longest record retention of the organizations holding records
    of `user`: where they are a patient, were seen or paid."""
    organizations = (
        Organization.objects.filter(pk__in=Membership.objects.filter(user=user).values("organization"))
        | Organization.objects.filter(
            pk__in=Appointment.objects.filter(patient=user).values("specialist__organization")
        )
        | Organization.objects.filter(pk__in=Payment.objects.filter(patient=user).values("organization"))
    )
    longest = organizations.aggregate(years=Max("record_retention_years"))["years"]
    return longest or Organization._meta.get_field("record_retention_years").default


def _years_later(moment: datetime, years: int) -> datetime:
    year = moment.year + years
    day = min(moment.day, calendar.monthrange(year, moment.month)[1])  # 29 February
    return moment.replace(year=year, day=day)


def account_deletion_request(*, user, request=None) -> DeletionRequest:
    """Record `user`'s request to delete their account and deactivate it.

    Refused (`ValidationError`, nothing changed) when they asked before, or
    when the account also holds a specialist, admin or affiliate role:
    those accounts carry other people's records and are closed by their
    organization. The password check is the form's.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if DeletionRequest.objects.filter(user=user).exists():
            raise ValidationError(_("You already asked for your account to be deleted."), code="already_requested")
        memberships = list(Membership.objects.filter(user=user, is_active=True).select_for_update())
        if any(membership.role != Membership.Role.PATIENT for membership in memberships):
            raise ValidationError(
                _(
                    "Your account also works for a specialist, organization or affiliate role. "
                    "Please ask your organization to close it."
                ),
                code="staff_role",
            )
        years = retention_years_for(user)
        now = timezone.now()
        deletion = DeletionRequest.objects.create(
            user=user, retention_years=years, erase_after=_years_later(now, years)
        )
        for membership in memberships:
            membership_revoke(membership=membership, by=user)
        reason = _("The patient closed their account.")
        coming = Appointment.objects.filter(patient=user, status__in=CANCELLABLE, starts_at__gt=now)
        cancelled = 0
        for appointment in coming.order_by("starts_at"):
            appointment_transition(appointment=appointment, to=S.CANCELLED, by=user, reason=reason)
            cancelled += 1
        user.is_active = False
        user.save(update_fields=["is_active", "updated_at"])
        journey_event_record(
            actor=user, verb="account.deletion_requested", obj=deletion, data={"sessions_cancelled": cancelled}
        )
        audit_record(request=request, actor=user, action=AuditLog.Action.WRITE, obj=deletion)
        outbox.enqueue(tasks.send_deletion_confirmation, deletion.pk)
    for session in UserSession.objects.purge_and_list(user):
        session.end()
    return deletion


def deletion_confirmation_email_send(deletion_pk: int) -> bool:
    """Confirm the request to the address it came from, in the patient's
    language, saying when the data will be erased."""
    deletion = DeletionRequest.objects.select_related("user").filter(pk=deletion_pk, erased_at__isnull=True).first()
    if deletion is None:
        return False
    user = deletion.user
    with translation.override(user.language):
        context = {
            "name": user.display_name,
            "erase_after": format_in_zone(deletion.erase_after, user.timezone),
            "years": deletion.retention_years,
        }
        message = EmailMultiAlternatives(
            subject=_("Your account was closed"),
            body=render_to_string("emails/privacy/deletion_requested.txt", context),
            to=[user.email],
        )
        message.attach_alternative(render_to_string("emails/privacy/deletion_requested.html", context), "text/html")
        message.send()
    return True


# --- Erasure ------------------------------------------------------------------------------


def pseudonym_of(deletion: DeletionRequest) -> tuple[str, str]:
    """The name and the email address an erased account keeps."""
    code = deletion.public_id.hex
    return f"Erased patient {code[:8]}", f"erased-{code}@{ERASED_DOMAIN}"


def account_erase(*, deletion: DeletionRequest) -> DeletionRequest:
    """Erase one account's personal data, as the module docstring lists.

    Runs in one transaction: it all goes, or nothing does. Files are
    deleted after the commit, so a rollback never leaves rows pointing at
    missing files.
    """
    user = deletion.user
    files = []
    with transaction.atomic():
        name, email = pseudonym_of(deletion)
        user.full_name, user.preferred_name, user.email = name, "", email
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["full_name", "preferred_name", "email", "password", "is_active", "updated_at"])
        EmailAddress.objects.filter(user=user).delete()
        SocialAccount.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        UserSession.objects.filter(user=user).delete()
        UserObjectPermission.objects.filter(user=user).delete()
        Notification.objects.filter(user=user).delete()
        Intake.objects.filter(user=user).delete()
        FormResponse.objects.filter(patient=user).delete()
        CareContext.objects.filter(patient=user).delete()
        ConsentSignature.objects.filter(patient=user).update(
            typed_name=name, ip_address=None, user_agent="", withdrawal_reason=""
        )
        messages = Message.objects.filter(conversation__relationship__patient=user)
        files += [message.attachment for message in messages.exclude(attachment="")]
        messages.delete()
        ReadMarker.objects.filter(user=user).delete()
        ClinicalNote.objects.filter(relationship__patient=user, status=ClinicalNote.Status.DRAFT).update(content="")
        Feedback.objects.filter(patient=user).update(comment="")
        AvailabilityRequest.objects.filter(patient=user).update(note="")
        Proposal.objects.filter(patient=user).update(note="")
        Appointment.objects.filter(patient=user).update(cancellation_reason="")
        VideoPreference.objects.filter(user=user).delete()
        exports = DataExport.objects.filter(user=user)
        files += [export.file for export in exports.exclude(file="")]
        exports.delete()
        deletion.erased_at = timezone.now()
        deletion.save(update_fields=["erased_at", "updated_at"])
        journey_event_record(actor=None, verb="account.erased", obj=deletion)
        transaction.on_commit(partial(_delete_files, files))
    return deletion


def _delete_files(files) -> None:
    for stored in files:
        stored.delete(save=False)


def accounts_erase_due(*, now: datetime | None = None, limit: int = 50) -> int:
    """Erase the accounts whose retention has run out; returns how many.

    Each is claimed under a lock other sweeps skip, so two sweeps never
    erase one twice; one account's failure rolls back only its own erasure.
    """
    now = now or timezone.now()
    erased = 0
    for pk in DeletionRequest.objects.filter(erased_at__isnull=True, erase_after__lte=now).values_list("pk", flat=True)[
        :limit
    ]:
        with transaction.atomic():
            deletion = (
                DeletionRequest.objects.select_for_update(
                    skip_locked=connection.features.has_select_for_update_skip_locked
                )
                .select_related("user")
                .filter(pk=pk, erased_at__isnull=True)
                .first()
            )
            if deletion is None:
                continue
            account_erase(deletion=deletion)
            erased += 1
    return erased
