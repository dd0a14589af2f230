from django.urls import path

from refresh import views

urlpatterns = [
    path("refresh/", views.refresh_toggle, name="refresh_toggle"),
]
