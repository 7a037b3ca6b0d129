from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("settings/", views.settings_view, name="settings"),
    path("language/", views.language_view, name="language"),
    path("sign-out-everywhere/", views.sign_out_everywhere_view, name="sign-out-everywhere"),
    path("login/link/<str:token>/", views.magic_link_view, name="magic-link"),
    # Ahead of allauth's page at the same address (daraport/urls.py).
    path("confirm-email/", views.ConfirmEmailCodeView.as_view(), name="confirm-email"),
]
