"""python manage.py workflow_doc > docs/workflow.md"""

from django.core.management.base import BaseCommand

from identification.docs import workflow_markdown


class Command(BaseCommand):
    help = "Print the identification workflow (steps, actions, roles) as Markdown, from the transition table."

    def handle(self, *args, **options):
        self.stdout.write(workflow_markdown(), ending="")
