from django.urls import path

from enrichment import views

urlpatterns = [
    path(
        "exports/<uuid:public_id>/company-and-position/",
        views.archive_page,
        name="enrichment_archive",
    ),
]
