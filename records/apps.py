from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Records (FHIR)"

    def ready(self):
        from core import demo

        from . import demo as records_demo

        # After everything the export holds (affiliates seed at 75).
        demo.register(80, "Demo FHIR token and export", records_demo.seed)
