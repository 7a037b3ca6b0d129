from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "care"
    verbose_name = "Care"

    def ready(self):
        from booking import selectors as booking_selectors

        from . import receivers  # noqa: F401
        from .selectors import patient_ids_of_specialist

        booking_selectors.register_patient_source(patient_ids_of_specialist)
