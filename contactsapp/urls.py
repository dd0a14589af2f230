from django.urls import include, path

from carddav import views as carddav_views
from contactsapp import views

urlpatterns = [
    path("auth/login/", views.login_view, name="login"),
    path("auth/callback/", views.callback_view, name="auth_callback"),
    path("auth/logout/", views.logout_view, name="logout"),
    path("auth/logout/everywhere/", views.logout_everywhere_view, name="logout_everywhere"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(".well-known/carddav", carddav_views.well_known, name="carddav_well_known"),
    path("dav/", include("carddav.urls")),
    path("", include("refresh.urls")),
    path("", include("exports.urls")),
    path("", include("mail.urls")),
    path("", include("devices.urls")),
    path("", include("enrichment.urls")),
    path("", include("languages.urls")),
]
