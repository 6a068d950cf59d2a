"""Report kinds, one module each; importing this package registers them all (reporting.registry).

To add a report: write a module here with a function decorated ``@register(code, title)`` that
takes a ReportContext and returns its tables, and add the module to the import below.
"""

from reporting.reports import (  # noqa: F401
    causes,
    coverage,
    dynamic,
    monitoring,
    quality,
    register_detail,
    registry_summary,
    rolling_plan,
)
