"""python manage.py workflow_doc > docs/workflow.md"""

from django.core.management.base import BaseCommand

from exits.exit_docs import exit_workflow_markdown
from identification.docs import workflow_markdown


class Command(BaseCommand):
    help = (
        "Print the identification and exit workflows (steps, actions, roles) as Markdown, from the transition tables."
    )

    def handle(self, *args, **options):
        self.stdout.write(workflow_markdown() + exit_workflow_markdown(), ending="")
