from django.contrib.admin.apps import AdminConfig


class DaraportAdminConfig(AdminConfig):
    default_site = "daraport.admin.DaraportAdminSite"
