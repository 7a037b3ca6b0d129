from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("", include("organizations.urls")),
    path("", include("patients.urls")),
    path("", include("specialists.urls")),
    path("", include("discovery.urls")),
    path("", include("booking.urls")),
    path("", include("consents.urls")),
    path("", include("messaging.urls")),
    path("", include("video.urls")),
    path("", include("payments.urls")),
    path("", include("care.urls")),
    path("", include("affiliates.urls")),
    path("", include("insights.urls")),
    path("", include("records.urls")),
    path("", include("privacy.urls")),
    path("fhir/R4/", include("records.urls_api")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "core.error_pages.bad_request"
handler403 = "core.error_pages.permission_denied"
handler404 = "core.error_pages.page_not_found"
handler500 = "core.error_pages.server_error"
