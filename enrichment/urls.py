from django.urls import path

from enrichment import views

urlpatterns = [
    path(
        "exports/<uuid:public_id>/company-and-position/",
        views.archive_page,
        name="enrichment_archive",
    ),
    path(
        "exports/<uuid:public_id>/company-and-position/status/",
        views.archive_status,
        name="enrichment_status",
    ),
    path(
        "exports/<uuid:public_id>/company-and-position/fetch/",
        views.portability_start,
        name="portability_start",
    ),
    # LinkedIn's Member Data Portability consent comes back here (a redirect URI of its own).
    path("auth/portability/callback/", views.portability_callback, name="portability_callback"),
    path(
        "exports/<uuid:public_id>/company-and-position/companies/<int:company_id>/",
        views.company_page,
        name="enrichment_company",
    ),
]
