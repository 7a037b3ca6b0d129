from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "discovery"
    verbose_name = "Discovery and matching"

    def ready(self):
        from core import demo

        from . import demo as discovery_demo
        from . import nextsteps

        nextsteps.register()
        demo.register(30, "Demo program", discovery_demo.seed)
