"""Celery tasks of the area-wide data-quality check; see households/tasks.py."""
