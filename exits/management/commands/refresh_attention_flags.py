"""python manage.py refresh_attention_flags AREA [--year YEAR]: raise and clear the system's
attention flags of an area (a county at night from cron or Celery beat, for instance)."""

from django.core.management.base import BaseCommand, CommandError

from core.errors import ServiceError
from exits.monitoring_flags import refresh_flags


class Command(BaseCommand):
    help = "Compute the monitoring attention flags of an area (set-based; a few queries per kind)."

    def add_arguments(self, parser):
        parser.add_argument("area", help="12-digit area code (village, township, county, city or province)")
        parser.add_argument("--year", type=int, default=None, help="the year to compute (default: this year)")

    def handle(self, *args, **options):
        try:
            result = refresh_flags(actor=None, area_code=options["area"], year=options["year"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        for kind, raised in result.raised.items():
            self.stdout.write(f"{kind}: {raised} raised, {result.cleared[kind]} cleared")
