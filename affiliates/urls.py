from django.urls import path

from .views import dashboard, links, organization, public, statements

app_name = "affiliates"

urlpatterns = [
    # Public: a referral link.
    path("r/<str:code>", public.follow_view, name="follow"),
    # The organization manages its affiliates, their links and attribution rules...
    path("org/<slug:org_slug>/affiliates/", organization.affiliate_list_view, name="org-list"),
    path("org/<slug:org_slug>/affiliates/settings/", organization.attribution_settings_view, name="org-settings"),
    path("org/<slug:org_slug>/affiliates/<uuid:public_id>/", organization.affiliate_view, name="org-affiliate"),
    path(
        "org/<slug:org_slug>/affiliates/<uuid:public_id>/links/", organization.link_create_view, name="org-link-create"
    ),
    path(
        "org/<slug:org_slug>/affiliates/<uuid:public_id>/links/<uuid:link_id>/deactivate/",
        organization.link_deactivate_view,
        name="org-link-deactivate",
    ),
    # ...and approves and pays their monthly statements.
    path("org/<slug:org_slug>/affiliates/statements/", statements.org_statement_list_view, name="org-statements"),
    path(
        "org/<slug:org_slug>/affiliates/statements/<uuid:public_id>/",
        statements.org_statement_view,
        name="org-statement",
    ),
    path(
        "org/<slug:org_slug>/affiliates/statements/<uuid:public_id>/status/",
        statements.org_statement_status_view,
        name="org-statement-status",
    ),
    # The affiliate's own portal: aggregates only, their links, payout details, statements.
    path("affiliate/", dashboard.dashboard_view, name="home"),
    path("affiliate/referrals.csv", dashboard.dashboard_csv_view, name="dashboard-csv"),
    path("affiliate/links/", links.links_view, name="links"),
    path("affiliate/payout/", links.payout_view, name="payout"),
    path("affiliate/statements/", statements.statement_list_view, name="statements"),
    path("affiliate/statements/<uuid:public_id>/", statements.statement_view, name="statement"),
    path("affiliate/statements/<uuid:public_id>.pdf", statements.statement_pdf_view, name="statement-pdf"),
    path("affiliate/statements/<uuid:public_id>.csv", statements.statement_csv_view, name="statement-csv"),
]
