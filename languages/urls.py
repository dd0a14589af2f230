from django.urls import path

from languages import views

urlpatterns = [
    path("language/", views.language_set, name="language_set"),
]
