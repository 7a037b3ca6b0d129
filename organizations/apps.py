from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "Organizations"

    def ready(self):
        from core import demo, portals

        from . import demo as organizations_demo
        from . import nextsteps, receivers  # noqa: F401
        from .selectors import portal_accesses_for_user

        portals.register_access_provider(portal_accesses_for_user)
        nextsteps.register()
        demo.register(10, "Demo organization and logins", organizations_demo.seed)
