from django.apps import AppConfig


class AffiliatesConfig(AppConfig):
    name = "affiliates"
    verbose_name = "Affiliates"

    def ready(self):
        from core import demo

        from . import demo as affiliates_demo
        from . import receivers  # noqa: F401

        # After the insights population (70): its patients are the sign-ups.
        demo.register(75, "Demo affiliate and referrals", affiliates_demo.seed)
