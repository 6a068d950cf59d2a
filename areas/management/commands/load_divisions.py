"""python manage.py load_divisions: load the shipped 2023 division codes, idempotently."""

import time

from django.core.management.base import BaseCommand

from areas.divisions import load_divisions


class Command(BaseCommand):
    help = "Load the national division codes (31 provinces to 41,352 townships) that ship with the project."

    def handle(self, *args, **options):
        started = time.perf_counter()
        report = load_divisions()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"divisions loaded in {elapsed:.2f} s: {report}")
