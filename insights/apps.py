from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "Insights"

    def ready(self):
        from core import demo

        from . import demo as insights_demo

        # Last: the population's journeys go through every app's tables.
        demo.register(70, "Demo population for insights", insights_demo.seed)
