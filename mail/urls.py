from django.urls import path

from mail import views

urlpatterns = [
    path("mail/settings/", views.mail_settings, name="mail_settings"),
    path("mail/unsubscribe/<str:token>/", views.unsubscribe, name="mail_unsubscribe"),
]
