"""python manage.py compile_translations: .po to .mo in pure Python (Babel), so that `make run`
needs no gettext tools on the machine. Django's compilemessages does the same with msgfmt."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


def catalog_dirs() -> list[Path]:
    """The project catalog (LOCALE_PATHS) and each project app's own `<app>/locale/`, as Django reads them."""
    dirs = [Path(locale_dir) for locale_dir in settings.LOCALE_PATHS]
    base = Path(settings.BASE_DIR).resolve()
    for app in apps.get_app_configs():
        app_locale = Path(app.path).resolve() / "locale"
        # Only the project's own apps: installed packages ship their compiled catalogs.
        if app_locale.is_dir() and app_locale.parent.parent == base:
            dirs.append(app_locale)
    return dirs
    return dirs


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/*.po (project and apps) into its .mo (only when the .po is newer)."

    def handle(self, *args, **options):
        compiled = 0
        for locale_dir in catalog_dirs():
            for po_path in locale_dir.glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                with open(po_path, "rb") as handle:
                    catalog = read_po(handle, locale=po_path.parent.parent.name)
                with open(mo_path, "wb") as handle:
                    write_mo(handle, catalog, use_fuzzy=False)
                compiled += 1
        self.stdout.write(f"translations compiled: {compiled}")
