"""Demo specialists for the demo clinic: full profiles, offerings, avatars.

Idempotent and quick: people who already have a profile are left as they
are (a demo visitor may have edited them), and one password hash is shared
by all new demo accounts instead of hashing it 25 times.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from PIL import Image, ImageDraw, ImageFont

from core.models import Tag
from organizations.models import Membership, Organization, TermsDocument
from organizations.services import membership_grant, terms_accept

from . import services
from .models import Offering, SpecialistProfile

ORG_SLUG = "daraport-demo-clinic"
PASSWORD = "daraport-demo"
EMAIL_DOMAIN = "specialists.demo.daraport.test"
DEMO_SPECIALIST_EMAIL = "specialist@demo.daraport.test"

DIRECT = Offering.BookingMode.DIRECT
ON_REQUEST = Offering.BookingMode.ON_REQUEST
APPROVED = SpecialistProfile.Status.APPROVED
PENDING = SpecialistProfile.Status.PENDING

# Calm colours for the initials avatars.
PALETTE = ["#2F6F6A", "#4A6FA5", "#8E5572", "#B5651D", "#5B8C5A", "#6C5B7B", "#3D7EA6", "#A0522D", "#4E7D6B"]


@dataclass
class Demo:
    first: str
    last: str
    timezone: str
    gender: str
    pronouns: str
    headline: str
    bio: str
    specializations: list[str]
    approaches: list[str]
    languages: list[str]
    modalities: list[str]
    jurisdictions: list[str]
    credentials: str
    offerings: list[tuple[str, int, int, str, str]]  # name, minutes, price_minor, booking mode, description
    title: str = ""
    accepting: bool = True
    status: str = APPROVED

    @property
    def display_name(self) -> str:
        return f"{self.title} {self.first} {self.last}".strip()

    @property
    def email(self) -> str:
        local = f"{self.first}.{self.last}".lower().replace("'", "").replace(" ", "-")
        local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
        return f"{local}@{EMAIL_DOMAIN}"


INITIAL = ("Initial consultation", 50)
FOLLOW_UP = ("Follow-up session", 50)

SAM = Demo(
    "Sam",
    "Okafor",
    "Europe/Berlin",
    "man",
    "he/him",
    "Psychologist for anxiety, stress and low mood",
    "I help adults who feel stuck with worry, stress or low mood find their footing again. Sessions are practical "
    "and warm: we make sense of what keeps you stuck, then try small, concrete changes between sessions. Many "
    "people I work with juggle demanding jobs and families, and I keep that in mind. (Demo profile.)",
    ["anxiety", "stress", "depression"],
    ["cbt", "act"],
    ["en", "de"],
    ["video", "chat"],
    # Portugal too: the demo patient, Alex, lives in Lisbon and sees him.
    ["de", "pt"],
    "MSc Clinical Psychology, Humboldt University of Berlin\nLicensed psychological psychotherapist (Germany)\n"
    "Ordem dos Psicólogos Portugueses, member",
    [
        (*INITIAL, 9000, DIRECT, "Get to know each other and agree on what you would like to change."),
        (*FOLLOW_UP, 8000, DIRECT, ""),
        ("Short check-in", 25, 5000, DIRECT, "For people already working with me."),
    ],
    title="Dr.",
)

# One specialist per entry, compact on purpose.
# fmt: off
SPECIALISTS = [
    Demo(
        "Lena", "Hoffmann", "Europe/Berlin", "woman", "she/her",
        "Psychotherapist for anxiety and burnout",
        "I work with people whose worry or exhaustion has started to run their days. Together we look at the "
        "patterns behind it and build skills you can use the same evening. I value honesty, humour and a steady "
        "pace. (Demo profile.)",
        ["anxiety", "stress"], ["cbt", "act"], ["de", "en"], ["video", "chat"], ["de"],
        "Dipl.-Psych., University of Hamburg\nLicensed psychotherapist (CBT), Berlin",
        [(*INITIAL, 9500, DIRECT, ""), (*FOLLOW_UP, 9000, DIRECT, "")],
    ),
    Demo(
        "Jonas", "Weber", "Europe/Berlin", "man", "he/him",
        "Psychodynamic therapist for depression and life transitions",
        "Some difficulties are old companions. I offer a calm space to understand where they come from and how "
        "they show up in work and relationships today. My practice is currently full, but I keep a short waiting "
        "list. (Demo profile.)",
        ["depression", "career"], ["psychodynamic"], ["de", "en"], ["video"], ["de", "at"],
        "MSc Psychology, LMU Munich\nTraining in psychodynamic psychotherapy, Berlin Institute",
        [(*INITIAL, 11000, DIRECT, ""), ("Ongoing therapy session", 50, 10000, ON_REQUEST, "Weekly, after a first consultation.")],
        accepting=False,
    ),
    Demo(
        "Mariana", "Costa", "Europe/Lisbon", "woman", "she/her",
        "Psychologist for relationships and self-esteem",
        "I help individuals and couples who keep having the same painful argument, or who feel they are never "
        "quite enough. My approach is warm and collaborative, and I pay attention to the wider family story. "
        "Sessions in Portuguese or English. (Demo profile.)",
        ["relationships", "self-esteem"], ["person-centred", "systemic"], ["pt", "en"], ["video", "in-person"], ["pt"],
        "Master's in Clinical Psychology, University of Lisbon\nOrdem dos Psicólogos Portugueses, member",
        [(*INITIAL, 7000, DIRECT, ""), ("Couples session", 80, 11000, ON_REQUEST, "Both partners attend.")],
    ),
    Demo(
        "Tiago", "Ferreira", "Europe/Lisbon", "man", "he/him",
        "Addiction and recovery counsellor",
        "Change rarely happens in a straight line, and that is fine. I support people cutting down on alcohol, "
        "gambling or other habits that cost them more than they give, without judgement. We work on cravings, "
        "triggers and the life you want instead. (Demo profile.)",
        ["addiction", "depression"], ["cbt", "mindfulness"], ["pt", "es"], ["video", "phone"], ["pt", "es"],
        "MSc Health Psychology, University of Porto\nCertified addiction counsellor",
        [(*INITIAL, 6500, DIRECT, ""), (*FOLLOW_UP, 6000, DIRECT, "")],
    ),
    Demo(
        "Camila", "Rocha", "America/Sao_Paulo", "woman", "she/her",
        "Psychologist for eating and body image",
        "Food and body worries can take up so much room. I offer evidence-based, gentle support to loosen their "
        "grip, at a pace that feels safe for you. I work in Portuguese and Spanish. (Demo profile.)",
        ["eating", "self-esteem"], ["cbt", "dbt"], ["pt", "es"], ["video", "chat"], ["br"],
        "Psychologist, CRP 06 (São Paulo)\nSpecialisation in eating disorders, USP",
        [(*INITIAL, 6500, DIRECT, ""), (*FOLLOW_UP, 6000, DIRECT, "")],
    ),
    Demo(
        "Rafael", "Almeida", "America/Sao_Paulo", "man", "he/him",
        "Trauma therapist (EMDR)",
        "After something overwhelming, the mind can stay on alert long after the danger has passed. I use EMDR "
        "and grounding skills to help memories settle, so they lose their sting. First we build safety; we go "
        "at your pace. (Demo profile.)",
        ["trauma", "anxiety"], ["emdr"], ["pt", "en"], ["video"], ["br"],
        "Psychologist, CRP 06\nEMDR Europe accredited practitioner",
        [(*INITIAL, 8000, DIRECT, ""), ("EMDR session", 90, 13000, ON_REQUEST, "Longer session for processing work.")],
    ),
    Demo(
        "Lucía", "Martín", "Europe/Madrid", "woman", "she/her",
        "Psychologist for grief and loss",
        "Grief does not follow a timetable. I accompany people after the death of someone close, a separation, or "
        "a loss that others may not see. Sessions are unhurried and kind, with room for silence. (Demo profile.)",
        ["grief", "depression"], ["person-centred"], ["es", "en"], ["video", "phone"], ["es"],
        "Licenciatura en Psicología, Complutense University of Madrid\nGeneral health psychologist (Spain)",
        [(*INITIAL, 7000, DIRECT, ""), (*FOLLOW_UP, 6500, DIRECT, "")],
    ),
    Demo(
        "Javier", "Ruiz", "Europe/Madrid", "man", "he/him",
        "ADHD and career coach",
        "If you have big ideas but your days run away from you, you are in good company. I help adults with ADHD "
        "build routines that actually fit their brain, and find work that plays to their strengths. "
        "(Demo profile.)",
        ["adhd", "career"], ["coaching", "solution-focused"], ["es", "fr"], ["video", "chat"], ["es"],
        "MSc Organisational Psychology, University of Barcelona\nICF Professional Certified Coach",
        [("Coaching session", 45, 7500, DIRECT, ""), ("Three-month programme intake", 60, 12000, ON_REQUEST, "")],
    ),
    Demo(
        "Élise", "Moreau", "Europe/Paris", "woman", "she/her",
        "Psychotherapist for trauma and relationships",
        "I work with adults who carry painful experiences into their closest relationships. Drawing on EMDR and "
        "psychodynamic work, we make room for what happened and for who you are now. I am not taking new patients "
        "at the moment. (Demo profile.)",
        ["trauma", "relationships"], ["emdr", "psychodynamic"], ["fr", "en"], ["video", "in-person"], ["fr"],
        "Master 2 de psychologie clinique, Université Paris Cité\nPsychologue (ADELI registered)",
        [(*INITIAL, 9000, DIRECT, ""), (*FOLLOW_UP, 8500, DIRECT, "")],
        accepting=False,
    ),
    Demo(
        "Antoine", "Dubois", "Europe/Paris", "man", "he/him",
        "Psychologist for sleep and stress",
        "Poor sleep and constant stress feed each other. I use CBT for insomnia and mindfulness to help you get "
        "your nights, and your energy, back. Most people notice a difference within a few weeks. (Demo profile.)",
        ["sleep", "stress"], ["cbt", "mindfulness"], ["fr", "en"], ["video"], ["fr", "be"],
        "Master de psychologie, Université de Lyon\nCertified in CBT for insomnia (CBT-I)",
        [(*INITIAL, 8000, DIRECT, ""), ("Sleep programme session", 40, 7000, DIRECT, "")],
    ),
    Demo(
        "Maya", "Johnson", "America/New_York", "non_binary", "they/them",
        "LGBTQ+ affirming therapist",
        "I offer an affirming space for queer and trans people, and for anyone questioning. We can talk about "
        "anxiety, identity, family or simply the weight of the week. I bring curiosity and no assumptions. "
        "(Demo profile.)",
        ["lgbtq", "anxiety"], ["act", "person-centred"], ["en", "es"], ["video", "chat"], ["us-ny"],
        "LMHC, New York State\nMA Mental Health Counseling, NYU",
        [(*INITIAL, 12000, DIRECT, ""), (*FOLLOW_UP, 11000, DIRECT, "")],
    ),
    Demo(
        "Daniel", "Cohen", "America/New_York", "man", "he/him",
        "Psychologist specialising in OCD",
        "OCD is exhausting, and very treatable. I use exposure and response prevention, step by step and always "
        "with your agreement, to help you reclaim time from rituals and doubt. (Demo profile.)",
        ["ocd", "anxiety"], ["cbt"], ["en"], ["video"], ["us-ny", "us-ca"],
        "PsyD, Yeshiva University\nLicensed psychologist, New York and California",
        [(*INITIAL, 15000, DIRECT, ""), ("ERP session", 50, 14000, DIRECT, "")],
        accepting=False,
    ),
    Demo(
        "Priya", "Shah", "Europe/London", "woman", "she/her",
        "Coach for stress, confidence and career change",
        "I work with professionals who are doing well on paper but feel stretched thin or stuck. Coaching with me "
        "is focused and encouraging: we clarify what matters and plan the next small step. Sessions in English or "
        "Hindi. (Demo profile.)",
        ["stress", "career", "self-esteem"], ["coaching", "solution-focused"], ["en", "hi"], ["video", "phone"], ["gb"],
        "MSc Coaching Psychology, City, University of London\nAssociate Fellow, British Psychological Society",
        [("Coaching session", 50, 9000, DIRECT, ""), ("Career change intensive", 90, 15000, ON_REQUEST, "")],
    ),
    Demo(
        "Oliver", "Bennett", "Europe/London", "man", "he/him",
        "Counselling psychologist for depression and relationships",
        "Low mood often lives in the spaces between people. I draw on systemic and psychodynamic ideas to help you "
        "understand your patterns and try something different. I see individuals and couples. (Demo profile.)",
        ["depression", "relationships"], ["systemic", "psychodynamic"], ["en", "fr"], ["video"], ["gb", "ie"],
        "DPsych Counselling Psychology, University of Roehampton\nHCPC registered counselling psychologist",
        [(*INITIAL, 9500, DIRECT, ""), ("Couples session", 75, 13000, ON_REQUEST, "")],
    ),
    Demo(
        "Sofia", "Rossi", "Europe/Rome", "woman", "she/her",
        "Health psychologist for life with chronic illness",
        "Living with a long-term condition brings tiredness, uncertainty and a lot of appointments. I help people "
        "make space for the illness without letting it take over. Sessions in Italian or English. (Demo profile.)",
        ["chronic-illness", "anxiety"], ["act"], ["it", "en"], ["video", "chat"], ["it"],
        "Laurea Magistrale in Psicologia, University of Bologna\nRegistered psychologist, Ordine degli Psicologi",
        [(*INITIAL, 7000, DIRECT, ""), (*FOLLOW_UP, 6500, DIRECT, "")],
    ),
    Demo(
        "Katarzyna", "Nowak", "Europe/Berlin", "woman", "she/her",
        "Psychologist for anxiety and life abroad",
        "Moving countries can be exciting and lonely at once. I support people settling into a new life, with its "
        "language, bureaucracy and homesickness. I work in Polish and German. (Demo profile.)",
        ["anxiety", "stress"], ["cbt", "solution-focused"], ["pl", "de"], ["video"], ["de"],
        "Magister Psychologii, University of Warsaw\nHeilpraktikerin für Psychotherapie (Germany)",
        [(*INITIAL, 7500, DIRECT, ""), (*FOLLOW_UP, 7000, DIRECT, "")],
    ),
    Demo(
        "Emre", "Yılmaz", "Europe/Berlin", "man", "he/him",  # noqa: RUF001
        "Family therapist",
        "Families change: new babies, teenagers, separations, caring for parents. I help families and couples "
        "talk about what is hard and find arrangements that work for everyone. Sessions in Turkish or German. "
        "(Demo profile.)",
        ["parenting", "relationships"], ["systemic"], ["tr", "de"], ["video", "in-person"], ["de"],
        "MSc Psychology, Bielefeld University\nSystemic family therapist (DGSF)",
        [(*INITIAL, 8500, DIRECT, ""), ("Family session", 80, 12500, ON_REQUEST, "Up to four family members.")],
    ),
    Demo(
        "Anna", "Schmidt", "Europe/Vienna", "woman", "she/her",
        "Dietitian for relaxed, healthy eating",
        "I help people build a calmer relationship with food: regular meals, fewer rules, more enjoyment. Whether "
        "you manage a diagnosis or just want more energy, we make a plan that fits your kitchen. (Demo profile.)",
        ["nutrition", "eating"], ["coaching"], ["de", "en"], ["video", "chat"], ["at", "de"],
        "BSc Dietetics, FH Joanneum Graz\nRegistered dietitian (Austria)",
        [("Nutrition consultation", 45, 6000, DIRECT, ""), ("Meal-plan review", 30, 6000, DIRECT, "")],
    ),
    Demo(
        "Thomas", "Keller", "Europe/Zurich", "man", "he/him",
        "General practitioner, sleep and everyday health",
        "I am a family doctor with a special interest in sleep. Online I can talk through symptoms, review results "
        "and suggest next steps, and refer you on when you need to be seen in person. (Demo profile.)",
        ["general-medicine", "sleep"], [], ["de", "fr"], ["video", "phone"], ["ch"],
        "Dr. med., University of Zurich\nFMH specialist in general internal medicine",
        [("Doctor's consultation", 20, 8000, DIRECT, ""), ("Sleep consultation", 40, 14000, DIRECT, "")],
        title="Dr.",
    ),
    Demo(
        "Inês", "Carvalho", "Europe/Lisbon", "woman", "she/her",
        "Child and parenting psychologist",
        "Parenting is hard work, especially when a child has big feelings or ADHD. I support parents with "
        "practical strategies and a lot of encouragement, so home can feel calmer again. (Demo profile.)",
        ["parenting", "adhd"], ["solution-focused"], ["pt", "fr"], ["video"], ["pt"],
        "Master's in Educational Psychology, University of Coimbra\nOrdem dos Psicólogos Portugueses, member",
        [("Parent consultation", 50, 6500, DIRECT, "")],
    ),
    Demo(
        "Carmen", "Díaz", "America/Mexico_City", "woman", "she/her",
        "Trauma and grief therapist",
        "I accompany people through the aftermath of violence, accidents and sudden loss. My work combines EMDR "
        "and DBT skills so you feel steadier day to day while we work through what happened. (Demo profile.)",
        ["trauma", "grief"], ["emdr", "dbt"], ["es", "en"], ["video", "phone"], ["mx"],
        "Maestría en Psicología Clínica, UNAM\nCédula profesional (Mexico)",
        [(*INITIAL, 6000, DIRECT, ""), (*FOLLOW_UP, 6000, DIRECT, "")],
    ),
    Demo(
        "Noah", "Williams", "America/Toronto", "man", "he/him",
        "ADHD and stress therapist",
        "I help adults with ADHD and busy minds make their days more manageable. We blend CBT with coaching, and "
        "keep sessions structured but friendly. (Demo profile.)",
        ["adhd", "stress"], ["cbt", "coaching"], ["en", "fr"], ["video", "chat"], ["ca-on"],
        "MA Counselling Psychology, University of Toronto\nRegistered psychotherapist (CRPO)",
        [(*INITIAL, 10000, DIRECT, ""), (*FOLLOW_UP, 9000, DIRECT, "")],
        status=PENDING,
    ),
    Demo(
        "Hannah", "Fischer", "Europe/Berlin", "woman", "she/her",
        "Trauma-informed therapist, LGBTQ+ affirming",
        "I offer a safe, affirming space for people healing from difficult experiences. I work with EMDR and "
        "body-based grounding, and I speak German, English and Spanish. (Demo profile.)",
        ["trauma", "lgbtq"], ["emdr"], ["de", "en", "es"], ["video"], ["de"],
        "MSc Clinical Psychology, Free University of Berlin\nEMDR practitioner in training",
        [(*INITIAL, 9000, DIRECT, "")],
        status=PENDING,
    ),
    Demo(
        "Claire", "Martin", "Europe/Paris", "woman", "she/her",
        "Psychologist for body image and confidence",
        "Many of my clients are tired of fighting their bodies. We work, gently, on self-criticism and on the "
        "habits that keep it going, so you can spend your energy on the rest of your life. Sessions in French or "
        "Spanish. (Demo profile.)",
        ["eating", "self-esteem"], ["person-centred"], ["fr", "es"], ["video", "chat"], ["fr"],
        "Master de psychologie clinique, Université de Bordeaux\nPsychologue (ADELI registered)",
        [(*INITIAL, 8000, DIRECT, ""), (*FOLLOW_UP, 7500, DIRECT, "")],
    ),
    Demo(
        "Sean", "O'Brien", "Europe/Dublin", "man", "he/him",
        "Addiction counsellor and CBT therapist",
        "I have worked in addiction services for fifteen years. I offer straightforward, non-judgemental support "
        "for drinking, drugs and the low mood that often comes with them. (Demo profile.)",
        ["addiction", "depression"], ["cbt", "mindfulness"], ["en"], ["video", "phone"], ["ie", "gb"],
        "MSc Addiction Studies, Trinity College Dublin\nAccredited member, IACP",
        [(*INITIAL, 8000, DIRECT, ""), ("Relapse prevention session", 50, 7500, DIRECT, "")],
    ),
    Demo(
        "Sanne", "de Vries", "Europe/Amsterdam", "woman", "she/her",
        "Psychologist for burnout and perfectionism",
        "High standards can carry you far, until they start to wear you out. I help people recover from burnout "
        "and loosen perfectionism with ACT and a good dose of self-compassion. Sessions in Dutch, English or "
        "German. (Demo profile.)",
        ["stress", "self-esteem"], ["act", "mindfulness"], ["nl", "en", "de"], ["video"], ["nl", "be"],
        "MSc Clinical Psychology, University of Amsterdam\nGZ-psycholoog (BIG registered)",
        [(*INITIAL, 9000, DIRECT, ""), (*FOLLOW_UP, 8500, DIRECT, "")],
    ),
]
# fmt: on


def _initials(demo: Demo) -> str:
    return (demo.first[:1] + demo.last.split()[-1][:1]).upper()


def _avatar(initials: str, colour: str) -> services.PreparedPhoto:
    """A 512 by 512 JPEG: the initials in white on a coloured circle."""
    image = Image.new("RGB", (512, 512), "#F1F4F3")
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, 511, 511), fill=colour)
    font = ImageFont.load_default(size=190)
    draw.text((256, 262), initials, fill="white", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    return services.PreparedPhoto(buffer.getvalue())


def _fill(profile: SpecialistProfile, demo: Demo, tags: dict, colour: str) -> None:
    wanted = [
        *(tags["specialization", slug] for slug in demo.specializations),
        *(tags["approach", slug] for slug in demo.approaches),
        *(tags["language", slug] for slug in demo.languages),
        *(tags["modality", slug] for slug in demo.modalities),
        *(tags["jurisdiction", slug] for slug in demo.jurisdictions),
    ]
    user = profile.user
    services.specialist_profile_update(
        profile=profile,
        by=user,
        display_name=demo.display_name,
        pronouns=demo.pronouns,
        headline=demo.headline,
        bio=demo.bio,
        gender=demo.gender,
        credentials=demo.credentials,
        accepting_new_patients=demo.accepting,
        tags=wanted,
        timezone_name=demo.timezone,
        photo=_avatar(_initials(demo), colour),
    )
    for name, minutes, price_minor, mode, description in demo.offerings:
        services.offering_create(
            profile=profile,
            by=user,
            name=name,
            description=description,
            duration_minutes=minutes,
            price_minor=price_minor,
            booking_mode=mode,
        )
    services.specialist_profile_submit(profile=profile, by=user)
    if demo.status == APPROVED:
        services.specialist_profile_approve(profile=profile, by=None)


def seed() -> list[str]:
    org = Organization.objects.filter(slug=ORG_SLUG).first()
    if org is None:
        return ["skipped: the demo organization is missing"]
    User = get_user_model()
    tags = {(tag.kind, tag.slug): tag for tag in Tag.objects.all()}
    documents = list(TermsDocument.objects.filter(organization=org))
    created = 0

    sam = User.objects.filter(email=DEMO_SPECIALIST_EMAIL).first()
    if sam is not None:
        profile = services.specialist_profile_get_or_create(user=sam)
        if profile.status == SpecialistProfile.Status.DRAFT and not profile.bio:
            _fill(profile, SAM, tags, PALETTE[0])
            created += 1

    done = set(
        SpecialistProfile.objects.filter(user__email__endswith=f"@{EMAIL_DOMAIN}").values_list("user__email", flat=True)
    )
    password = make_password(PASSWORD)
    for index, demo in enumerate(SPECIALISTS):
        if demo.email in done:
            continue
        user = User.objects.filter(email=demo.email).first()
        if user is None:
            user = User.objects.create(
                email=demo.email, password=password, full_name=f"{demo.first} {demo.last}", timezone=demo.timezone
            )
        EmailAddress.objects.update_or_create(user=user, email=demo.email, defaults={"verified": True, "primary": True})
        membership_grant(organization=org, user=user, role=Membership.Role.SPECIALIST)
        if documents:
            terms_accept(user=user, documents=documents, ip_address=None, user_agent="seed_demo")
        profile = services.specialist_profile_get_or_create(user=user)
        _fill(profile, demo, tags, PALETTE[(index + 1) % len(PALETTE)])
        created += 1

    pending = SpecialistProfile.objects.filter(organization=org, status=PENDING).count()
    total = SpecialistProfile.objects.filter(organization=org).count()
    return [
        f"{total} specialist profiles ({pending} waiting for approval); {created} new",
        f"e.g. {SPECIALISTS[0].email} (password {PASSWORD})",
    ]
