"""Celery tasks of the household registry (Celery finds tasks in each app's tasks.py)."""

from households.import_tasks import *  # noqa: F403
from households.quality_tasks import *  # noqa: F403
