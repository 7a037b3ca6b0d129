"""Every write to organizations, memberships, brands and terms."""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core import events
from core.services import journey_event_record

from .models import (
    Membership,
    Organization,
    Program,
    ProgramEnrolment,
    ProgramRosterEntry,
    TermsAcceptance,
    TermsDocument,
)

User = get_user_model()


@transaction.atomic
def organization_create(
    *, name: str, slug: str, kind: str = Organization.Kind.CLINIC, tagline: str = "", primary_color: str = "#2F6F6A"
) -> Organization:
    org = Organization(name=name, slug=slug, kind=kind, tagline=tagline, primary_color=primary_color.upper())
    org.full_clean()
    org.save()
    return org


@transaction.atomic
def organization_update_brand(
    *,
    organization: Organization,
    by,
    name: str,
    tagline: str,
    primary_color: str,
    logo: UploadedFile | None = None,
    logo_extension: str = "",
    remove_logo: bool = False,
) -> Organization:
    """Rename and recolour an organization; replace or remove its logo.

    `logo` has been checked by content already (organizations.forms); its
    extension comes from that check, never from the uploaded name.
    """
    organization.name = name.strip()
    organization.tagline = tagline.strip()
    organization.primary_color = primary_color.upper()
    old_logo = organization.logo.name if organization.logo else ""
    if logo is not None:
        organization.logo_extension = logo_extension
        organization.logo.save("logo", logo, save=False)
    elif remove_logo:
        organization.logo = ""
        organization.logo_extension = ""
    organization.full_clean()
    organization.save()
    if old_logo and old_logo != organization.logo.name:
        storage = organization.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    journey_event_record(actor=by, verb="organization.brand_changed", obj=organization)
    events.send_on_commit(events.organization_brand_changed, organization_id=organization.pk)
    return organization


@transaction.atomic
def organization_set_retention(*, organization: Organization, by, years: int) -> Organization:
    """How long a deleted patient's records stay before their personal data is
    erased (privacy.services.deletion reads it when the account is closed)."""
    organization.record_retention_years = years
    organization.full_clean()
    organization.save(update_fields=["record_retention_years", "updated_at"])
    journey_event_record(actor=by, verb="organization.retention_changed", obj=organization, data={"years": years})
    return organization


@transaction.atomic
def organization_configure_sso(
    *, organization: Organization, by, issuer_url: str, client_id: str, client_secret: str
) -> SocialApp:
    """Point the organization's single sign-on at an OpenID Connect provider.

    Each organization gets its own allauth app, so its button appears on the
    sign-in page under its own name. An empty secret keeps the old one.
    """
    app = organization.sso_app or SocialApp(provider="openid_connect", provider_id=f"org-{organization.slug}")
    app.name = organization.name
    app.client_id = client_id.strip()
    if client_secret:
        app.secret = client_secret.strip()
    app.settings = {"server_url": issuer_url.strip().rstrip("/")}
    app.save()
    if organization.sso_app_id != app.pk:
        organization.sso_app = app
        organization.save(update_fields=["sso_app", "updated_at"])
    journey_event_record(actor=by, verb="organization.sso_configured", obj=organization)
    return app


@transaction.atomic
def organization_remove_sso(*, organization: Organization, by) -> None:
    if organization.sso_app:
        organization.sso_app.delete()
        organization.sso_app = None
        journey_event_record(actor=by, verb="organization.sso_removed", obj=organization)


@transaction.atomic
def membership_grant(*, organization: Organization, user, role: str, by=None) -> Membership:
    """Give `user` a role in `organization`; idempotent."""
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, role=role, defaults={"granted_by": by}
    )
    if not created and membership.is_active:
        return membership
    if not created:
        membership.is_active = True
        membership.granted_by = by
        membership.save(update_fields=["is_active", "granted_by", "updated_at"])
    journey_event_record(actor=by, verb="membership.granted", obj=membership, data={"role": role})
    events.send_on_commit(events.membership_granted, membership_id=membership.pk)
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, by) -> Membership:
    """Take a role away. An organization always keeps at least one admin."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.is_active:
        return membership
    if membership.role == Membership.Role.ADMIN:
        admins = Membership.objects.filter(
            organization=membership.organization, role=Membership.Role.ADMIN, is_active=True
        ).count()
        if admins <= 1:
            raise ValidationError(_("An organization needs at least one admin. Add another admin first."))
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    journey_event_record(actor=by, verb="membership.revoked", obj=membership, data={"role": membership.role})
    events.send_on_commit(events.membership_revoked, membership_id=membership.pk)
    return membership


@transaction.atomic
def member_invite(*, organization: Organization, email: str, role: str, by, sign_in_url: str) -> Membership:
    """Give the person with `email` a role, creating their account if needed.

    A new account has no password: the invitation points to sign-in by
    emailed code, which also verifies the address. The admin sees the same
    answer whether or not the address already had an account.
    """
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        # A new account starts in the language its inviter works in.
        user = User.objects.create_user(email=email, locale=by.language if by else settings.LANGUAGE_CODE)
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    membership = membership_grant(organization=organization, user=user, role=role, by=by)
    transaction.on_commit(lambda: _invitation_send(membership=membership, sign_in_url=sign_in_url))
    return membership


def _invitation_send(*, membership: Membership, sign_in_url: str) -> None:
    """The invitation email, in the invited person's language."""
    organization, user = membership.organization, membership.user
    with translation.override(user.language):
        context = {"organization": organization, "role": membership.get_role_display(), "sign_in_url": sign_in_url}
        send_mail(
            subject=_("You have been invited to %(org)s on Daraport") % {"org": organization.name},
            message=render_to_string("emails/organizations/invitation.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )


@transaction.atomic
def terms_publish(
    *, organization: Organization, kind: str, title: str, body: str, summary: str = "", by=None
) -> TermsDocument:
    """Publish the next version of a document. Earlier versions stay as they were."""
    current = (
        TermsDocument.objects.select_for_update()
        .filter(organization=organization, kind=kind)
        .aggregate(v=Max("version"))["v"]
    )
    document = TermsDocument(
        organization=organization,
        kind=kind,
        version=(current or 0) + 1,
        title=title.strip(),
        body=body.strip(),
        summary=summary.strip(),
        published_by=by,
    )
    document.full_clean()
    document.save()
    journey_event_record(actor=by, verb="terms.published", obj=document, data={"version": document.version})
    events.send_on_commit(events.terms_published, document_id=document.pk)
    return document


@transaction.atomic
def terms_accept(
    *, user, documents: list[TermsDocument], ip_address: str | None, user_agent: str
) -> list[TermsAcceptance]:
    """Record that `user` accepted these exact versions; accepting twice is a no-op."""
    acceptances = []
    for document in documents:
        acceptance, created = TermsAcceptance.objects.get_or_create(
            user=user,
            document=document,
            defaults={"ip_address": ip_address, "user_agent": user_agent[:256]},
        )
        if created:
            journey_event_record(actor=user, verb="terms.accepted", obj=document, data={"version": document.version})
            events.send_on_commit(events.terms_accepted, user_id=user.pk, document_id=document.pk)
        acceptances.append(acceptance)
    return acceptances


@transaction.atomic
def patient_register(
    *,
    user,
    organization: Organization,
    accepted: list[TermsDocument],
    ip_address: str | None,
    user_agent: str,
    referral_code: str = "",
    referral_token: str = "",
) -> Membership:
    """A new person becomes a patient of `organization`, with the terms they accepted.

    `referral_code` is what they typed at sign-up, `referral_token` the signed
    referral cookie a link set; the affiliates app decides what to credit.
    """
    membership = membership_grant(organization=organization, user=user, role=Membership.Role.PATIENT)
    terms_accept(user=user, documents=accepted, ip_address=ip_address, user_agent=user_agent)
    journey_event_record(actor=user, verb="patient.registered", obj=membership)
    events.send_on_commit(
        events.patient_registered,
        user_id=user.pk,
        organization_id=organization.pk,
        referral_code=referral_code,
        referral_token=referral_token,
    )
    return membership


def _normalise_code(code: str) -> str:
    return "".join(code.split()).upper()


@transaction.atomic
def program_save(
    *,
    organization: Organization,
    by,
    program: Program | None = None,
    name: str,
    description: str,
    enrolment_code: str,
    email_domains: str,
    assignment_rule: str,
    is_active: bool,
    matching_questions: list[str] | None = None,
) -> Program:
    """Create or update a program; its enrolment code is unique across Daraport.

    `matching_questions` picks what members are asked (empty: everything).
    """
    program = program or Program(organization=organization)
    program.name = name.strip()
    program.description = description.strip()
    program.enrolment_code = _normalise_code(enrolment_code)
    program.email_domains = " ".join(email_domains.replace(",", " ").lower().split())
    program.assignment_rule = assignment_rule
    program.is_active = is_active
    program.matching_questions = list(matching_questions or [])
    created = program.pk is None
    program.full_clean()
    program.save()
    journey_event_record(actor=by, verb="program.created" if created else "program.updated", obj=program)
    return program


@transaction.atomic
def program_roster_set(*, program: Program, by, capacities: dict) -> list[ProgramRosterEntry]:
    """Make the roster exactly these specialists (user -> capacity).

    Only active specialists of the program's organization can be on it.
    """
    allowed = set(
        Membership.objects.filter(
            organization=program.organization, role=Membership.Role.SPECIALIST, is_active=True
        ).values_list("user_id", flat=True)
    )
    wanted = {user.pk: capacity for user, capacity in capacities.items()}
    if not set(wanted) <= allowed:
        raise ValidationError(_("Only specialists of this organization can be on its programs."))
    program.roster.exclude(specialist_id__in=wanted).delete()
    entries = []
    for user_id, capacity in wanted.items():
        entry, _created = ProgramRosterEntry.objects.update_or_create(
            program=program, specialist_id=user_id, defaults={"capacity": capacity}
        )
        entries.append(entry)
    journey_event_record(actor=by, verb="program.roster_changed", obj=program, data={"size": len(entries)})
    return entries


@transaction.atomic
def program_enrol(*, program: Program, patient, via: str) -> ProgramEnrolment:
    """Enrol a patient (idempotent); they also become a patient of the organization."""
    if not program.is_active:
        raise ValidationError(_("This program is not taking new members."))
    enrolment, created = ProgramEnrolment.objects.get_or_create(program=program, patient=patient, defaults={"via": via})
    membership_grant(organization=program.organization, user=patient, role=Membership.Role.PATIENT)
    if created:
        journey_event_record(actor=patient, verb="program.enrolled", obj=program, data={"via": via})
        events.send_on_commit(events.program_enrolled, enrolment_id=enrolment.pk)
    return enrolment


def program_enrol_by_code(*, code: str, patient, via: str = ProgramEnrolment.Via.CODE) -> ProgramEnrolment:
    program = Program.objects.filter(enrolment_code=_normalise_code(code), is_active=True).first()
    if program is None:
        raise ValidationError(
            _("We could not find a program with that code. Check it and try again."), code="unknown_code"
        )
    return program_enrol(program=program, patient=patient, via=via)


def program_enrol_by_email_domain(*, patient) -> list[ProgramEnrolment]:
    """Enrol a patient in every open program whose domains match one of their
    verified email addresses."""
    domains = {
        address.email.rsplit("@", 1)[-1].lower() for address in EmailAddress.objects.filter(user=patient, verified=True)
    }
    if not domains:
        return []
    return [
        program_enrol(program=program, patient=patient, via=ProgramEnrolment.Via.DOMAIN)
        for program in Program.objects.filter(is_active=True).exclude(email_domains="")
        if domains & set(program.domain_list)
    ]


@transaction.atomic
def organization_set_matching_questions(
    *, organization: Organization, by, matching_questions: list[str]
) -> Organization:
    """What the matching questionnaire asks this organization's patients
    who are not in a program (empty: every question)."""
    organization.matching_questions = list(matching_questions)
    organization.save(update_fields=["matching_questions", "updated_at"])
    journey_event_record(actor=by, verb="organization.matching_questions_changed", obj=organization)
    return organization
