"""python manage.py monitoring_workflow_doc: rewrite the monitoring section of docs/workflow.md."""

from django.conf import settings
from django.core.management.base import BaseCommand

from exits.monitoring_docs import write


class Command(BaseCommand):
    help = "Rewrite the monitoring section of docs/workflow.md from exits/monitoring_workflow.py."

    def handle(self, *args, **options):
        path = settings.BASE_DIR / "docs" / "workflow.md"
        write(path)
        self.stdout.write(f"written: {path}")
