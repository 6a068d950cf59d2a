"""Matrix entries of one part of the application (see routes.py for the fields of Route)."""

from tests.matrix.routes import Route  # noqa: F401

ROUTES: list = []
EXEMPT: dict = {}
