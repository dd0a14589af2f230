from django.apps import AppConfig


class ContactsappConfig(AppConfig):
    name = "contactsapp"
    verbose_name = "Sign-in with LinkedIn"
