from django.apps import AppConfig


class CarddavConfig(AppConfig):
    name = "carddav"
    verbose_name = "CardDAV address book"
