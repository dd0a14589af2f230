from django.urls import path

from devices import views

urlpatterns = [
    path("devices/", views.device_connect, name="device_connect"),
    path("devices/passwords/", views.device_password_create, name="device_password_create"),
    path("devices/profile/", views.device_profile_download, name="device_profile_download"),
    path(
        "devices/passwords/<uuid:public_id>/revoke/",
        views.device_password_revoke,
        name="device_password_revoke",
    ),
]
