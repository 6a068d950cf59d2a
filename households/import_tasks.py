"""Celery tasks of the Excel import; see households/tasks.py."""
