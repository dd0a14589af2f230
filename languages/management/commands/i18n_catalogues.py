"""`manage.py i18n_catalogues extract|compile`: the catalogues without GNU gettext."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from languages.catalogues import catalogue_compile, catalogue_extract


class Command(BaseCommand):
    help = (
        "extract: write or merge locale/<locale>/LC_MESSAGES/django.po for every language from "
        "the templates and Python, keeping translations; compile: write each .mo with polib."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["extract", "compile"])

    def handle(self, *args, action: str, **options):
        written = catalogue_extract() if action == "extract" else catalogue_compile()
        for path in written:
            self.stdout.write(str(path.relative_to(settings.BASE_DIR)))
