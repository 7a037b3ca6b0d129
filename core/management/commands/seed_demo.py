from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import demo


class Command(BaseCommand):
    help = "Create or refresh the demo organization, people and content (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Seed even outside the embedded demo settings.")

    def handle(self, *args, force=False, **options):
        if not settings.DEMO_MODE and not force:
            raise CommandError("Demo data belongs to the embedded demo. Use --force to seed anyway.")
        for name, seeder in demo.seeders():
            with transaction.atomic():
                lines = seeder()
            self.stdout.write(self.style.SUCCESS(f"{name}: ready"))
            for line in lines:
                self.stdout.write(f"  {line}")
