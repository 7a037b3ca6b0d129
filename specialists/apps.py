from django.apps import AppConfig


class SpecialistsConfig(AppConfig):
    name = "specialists"
    verbose_name = "Specialists"

    def ready(self):
        from core import demo

        from . import demo as specialists_demo
        from . import nextsteps

        nextsteps.register()
        demo.register(20, "Demo specialists", specialists_demo.seed)
