from django.apps import AppConfig


class EnrichmentConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "enrichment"
    verbose_name = "Company and position from LinkedIn's data archive"
