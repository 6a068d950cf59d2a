"""Each project app may keep its own catalog (`<app>/locale/zh_Hans`); compile_translations must
compile it and Django must read it, the project catalog taking precedence."""

from babel.messages.pofile import read_po
from django.core.management import call_command
from django.utils import translation

from core.management.commands.compile_translations import catalog_dirs


def test_every_app_catalog_string_is_served(settings):
    call_command("compile_translations", verbosity=0)
    project_dirs = {str(p) for p in settings.LOCALE_PATHS}
    app_catalogs = [d / "zh_Hans/LC_MESSAGES/django.po" for d in catalog_dirs() if str(d) not in project_dirs]
    app_catalogs = [p for p in app_catalogs if p.exists()]
    assert app_catalogs, "no app keeps its own catalog; this test would check nothing"
    checked = 0
    with translation.override("zh-hans"):
        for po_path in app_catalogs:
            with open(po_path, "rb") as handle:
                catalog = read_po(handle)
            for message in catalog:
                if not message.id or not message.string or message.pluralizable or message.context:
                    continue
                assert translation.gettext(message.id), message.id
                checked += 1
                if translation.gettext(message.id) != message.string:
                    # Only allowed when the project catalog has its own translation of the string.
                    with open(settings.LOCALE_PATHS[0] / "zh_Hans/LC_MESSAGES/django.po", "rb") as handle:
                        assert message.id in read_po(handle), message.id
    assert checked


def test_no_string_has_two_translations_across_catalogs(settings):
    # Django merges every catalog into one; a string translated two ways would show one of them
    # at random of app order, so the same (context, msgid) must mean the same thing everywhere.
    translations: dict[tuple, set[str]] = {}
    for locale_dir in catalog_dirs():
        po_path = locale_dir / "zh_Hans/LC_MESSAGES/django.po"
        if not po_path.exists():
            continue
        with open(po_path, "rb") as handle:
            for message in read_po(handle):
                if message.id and message.string:
                    translations.setdefault((message.context, str(message.id)), set()).add(str(message.string))
    twice = {key: found for key, found in translations.items() if len(found) > 1}
    assert not twice
