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
        "exports/<uuid:public_id>/company-and-position/companies/<int:company_id>/",
        views.company_page,
        name="enrichment_company",
    ),
]
