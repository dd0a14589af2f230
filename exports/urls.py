from django.urls import path

from exports import views

urlpatterns = [
    path("", views.home, name="home"),
    path("exports/", views.export_create, name="export_create"),
    path("exports/<uuid:public_id>/", views.export_detail, name="export_detail"),
    path("exports/<uuid:public_id>/status/", views.export_status, name="export_status"),
    path("exports/<uuid:public_id>/row/", views.export_row, name="export_row"),
    path("exports/<uuid:public_id>/delete/", views.export_delete, name="export_delete"),
    path("my-data/delete/", views.member_data_delete, name="member_data_delete"),
    path("exports/<uuid:public_id>/contacts.csv", views.contacts_csv, name="contacts_csv"),
    # The first JSON address, kept working: no page links it any more.
    path(
        "exports/<uuid:public_id>/contacts.json",
        views.contacts_download,
        {"format_key": "json"},
        name="contacts_json",
    ),
    path(
        "exports/<uuid:public_id>/download/<slug:format_key>/",
        views.contacts_download,
        name="contacts_download",
    ),
    path("exports/<uuid:public_id>/duplicates/", views.export_duplicates, name="export_duplicates"),
]
