"""The bundled PHQ-9 and GAD-7 (consents.schema.TEMPLATES) in German and Spanish.

Screening questionnaires are validated in their published wording, so the
patient sees the official translations (Pfizer's PHQ screeners, free to
reproduce, translate, display and distribute: German by B. Löwe, S. Zipfel
and W. Herzog (PHQ-D); Spanish for the United States), never the
product's own translation through the catalogs.

Only what is shown changes: a form keeps its English schema, answers are
stored as the English option, and scores are computed from it exactly as
before. A text the organization edited in its copy has no official
translation and shows as written.
"""

from django.utils import translation

# The answers of both questionnaires.
_DE_FREQUENCY = {
    "Not at all": "Überhaupt nicht",
    "Several days": "An einzelnen Tagen",
    "More than half the days": "An mehr als der Hälfte der Tage",
    "Nearly every day": "Beinahe jeden Tag",
}

WORDING: dict[str, dict[str, dict[str, str]]] = {
    "phq9": {
        "de": {
            "PHQ-9 (depression screening)": "PHQ-9 (Depressions-Screening)",
            "Over the last 2 weeks, how often have you been bothered by any of the following problems?": (
                "Wie oft fühlten Sie sich im Verlauf der letzten 2 Wochen durch die folgenden Beschwerden "
                "beeinträchtigt?"
            ),
            "Over the last 2 weeks, how often have you been bothered by any of the following?": (
                "Wie oft fühlten Sie sich im Verlauf der letzten 2 Wochen durch die folgenden Beschwerden "
                "beeinträchtigt?"
            ),
            "Little interest or pleasure in doing things": "Wenig Interesse oder Freude an Ihren Tätigkeiten",
            "Feeling down, depressed, or hopeless": "Niedergeschlagenheit, Schwermut oder Hoffnungslosigkeit",
            "Trouble falling or staying asleep, or sleeping too much": (
                "Schwierigkeiten ein- oder durchzuschlafen oder vermehrter Schlaf"
            ),
            "Feeling tired or having little energy": "Müdigkeit oder Gefühl, keine Energie zu haben",
            "Poor appetite or overeating": "Verminderter Appetit oder übermäßiges Bedürfnis zu essen",
            "Feeling bad about yourself — or that you are a failure or have let yourself or your family down": (
                "Schlechte Meinung von sich selbst; Gefühl, ein Versager zu sein oder die Familie enttäuscht zu haben"
            ),
            "Trouble concentrating on things, such as reading the newspaper or watching television": (
                "Schwierigkeiten, sich auf etwas zu konzentrieren, z. B. beim Zeitunglesen oder Fernsehen"
            ),
            "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
            "fidgety or restless that you have been moving around a lot more than usual": (
                "Waren Ihre Bewegungen oder Ihre Sprache so verlangsamt, dass es auch anderen auffallen würde? "
                "Oder waren Sie im Gegenteil „zappelig“ oder ruhelos und hatten dadurch einen stärkeren "
                "Bewegungsdrang als sonst?"
            ),
            "Thoughts that you would be better off dead or of hurting yourself in some way": (
                "Gedanken, dass Sie lieber tot wären oder sich Leid zufügen möchten"
            ),
            "If you checked off any problems, how difficult have these problems made it for you to do your work, "
            "take care of things at home, or get along with other people?": (
                "Wenn eines oder mehrere dieser Probleme bei Ihnen vorliegen, geben Sie bitte an, wie sehr diese "
                "Probleme es Ihnen erschwert haben, Ihre Arbeit zu erledigen, Ihren Haushalt zu regeln oder mit "
                "anderen Menschen zurecht zu kommen"
            ),
            "Not difficult at all": "Überhaupt nicht erschwert",
            "Somewhat difficult": "Etwas erschwert",
            "Very difficult": "Relativ stark erschwert",
            "Extremely difficult": "Sehr stark erschwert",
            **_DE_FREQUENCY,
        },
        "es": {
            "PHQ-9 (depression screening)": "PHQ-9 (detección de depresión)",
            "Over the last 2 weeks, how often have you been bothered by any of the following problems?": (
                "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los siguientes problemas?"
            ),
            "Over the last 2 weeks, how often have you been bothered by any of the following?": (
                "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los siguientes problemas?"
            ),
            "Little interest or pleasure in doing things": "Poco interés o placer en hacer cosas",
            "Feeling down, depressed, or hopeless": "Se ha sentido decaído(a), deprimido(a) o sin esperanzas",
            "Trouble falling or staying asleep, or sleeping too much": (
                "Ha tenido dificultad para quedarse o permanecer dormido(a), o ha dormido demasiado"
            ),
            "Feeling tired or having little energy": "Se ha sentido cansado(a) o con poca energía",
            "Poor appetite or overeating": "Sin apetito o ha comido en exceso",
            "Feeling bad about yourself — or that you are a failure or have let yourself or your family down": (
                "Se ha sentido mal con usted mismo(a) – o que es un fracaso o que ha quedado mal con usted "  # noqa: RUF001 (as published)
                "mismo(a) o con su familia"
            ),
            "Trouble concentrating on things, such as reading the newspaper or watching television": (
                "Ha tenido dificultad para concentrarse en ciertas actividades, tales como leer el periódico o "
                "ver la televisión"
            ),
            "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
            "fidgety or restless that you have been moving around a lot more than usual": (
                "¿Se ha movido o hablado tan lento que otras personas podrían haberlo notado? o lo contrario – muy "  # noqa: RUF001 (as published)
                "inquieto(a) o agitado(a) que ha estado moviéndose mucho más de lo normal"
            ),
            "Thoughts that you would be better off dead or of hurting yourself in some way": (
                "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera"
            ),
            "If you checked off any problems, how difficult have these problems made it for you to do your work, "
            "take care of things at home, or get along with other people?": (
                "Si marcó cualquiera de los problemas, ¿qué tanta dificultad le han dado estos problemas para "
                "hacer su trabajo, encargarse de las tareas del hogar, o llevarse bien con otras personas?"
            ),
            "Not difficult at all": "No ha sido difícil",
            "Somewhat difficult": "Un poco difícil",
            "Very difficult": "Muy difícil",
            "Extremely difficult": "Extremadamente difícil",
            "Not at all": "Ningún día",
            "Several days": "Varios días",
            "More than half the days": "Más de la mitad de los días",
            "Nearly every day": "Casi todos los días",
        },
    },
    "gad7": {
        "de": {
            "GAD-7 (anxiety screening)": "GAD-7 (Angst-Screening)",
            "Over the last 2 weeks, how often have you been bothered by the following problems?": (
                "Wie oft fühlten Sie sich im Verlauf der letzten 2 Wochen durch die folgenden Beschwerden "
                "beeinträchtigt?"
            ),
            "Over the last 2 weeks, how often have you been bothered by the following?": (
                "Wie oft fühlten Sie sich im Verlauf der letzten 2 Wochen durch die folgenden Beschwerden "
                "beeinträchtigt?"
            ),
            "Feeling nervous, anxious or on edge": "Nervosität, Ängstlichkeit oder Anspannung",
            "Not being able to stop or control worrying": "Nicht in der Lage sein, Sorgen zu stoppen oder zu kontrollieren",
            "Worrying too much about different things": "Übermäßige Sorgen bezüglich verschiedener Angelegenheiten",
            "Trouble relaxing": "Schwierigkeiten zu entspannen",
            "Being so restless that it is hard to sit still": "Rastlosigkeit, so dass Stillsitzen schwer fällt",
            "Becoming easily annoyed or irritable": "Schnelle Verärgerung oder Gereiztheit",
            "Feeling afraid as if something awful might happen": (
                "Gefühl der Angst, so als würde etwas Schlimmes passieren"
            ),
            **_DE_FREQUENCY,
        },
        "es": {
            "GAD-7 (anxiety screening)": "GAD-7 (detección de ansiedad)",
            "Over the last 2 weeks, how often have you been bothered by the following problems?": (
                "Durante las últimas 2 semanas, ¿con qué frecuencia le han molestado los siguientes problemas?"
            ),
            "Over the last 2 weeks, how often have you been bothered by the following?": (
                "Durante las últimas 2 semanas, ¿con qué frecuencia le han molestado los siguientes problemas?"
            ),
            "Feeling nervous, anxious or on edge": "Se ha sentido nervioso(a), ansioso(a) o con los nervios de punta",
            "Not being able to stop or control worrying": "No ha sido capaz de parar o controlar su preocupación",
            "Worrying too much about different things": "Se ha preocupado demasiado por motivos diferentes",
            "Trouble relaxing": "Ha tenido dificultad para relajarse",
            "Being so restless that it is hard to sit still": (
                "Se ha sentido tan inquieto(a) que no ha podido quedarse quieto(a)"
            ),
            "Becoming easily annoyed or irritable": "Se ha molestado o irritado fácilmente",
            "Feeling afraid as if something awful might happen": "Ha tenido miedo de que algo terrible fuera a pasar",
            "Not at all": "Nunca",
            "Several days": "Varios días",
            "More than half the days": "Más de la mitad de los días",
            "Nearly every day": "Casi todos los días",
        },
    },
}


def screening_wording(template_key: str, language: str | None = None) -> dict[str, str]:
    """English text → official wording in `language` (the active one by
    default) for a form made from the bundled questionnaire `template_key`;
    empty for other forms and for English."""
    return WORDING.get(template_key, {}).get(language or translation.get_language() or "", {})


def official(text: str, wording: dict[str, str]) -> str:
    """`text` in the official wording, or as written when it has none."""
    return wording.get(text, text)
