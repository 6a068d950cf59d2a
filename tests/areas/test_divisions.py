"""The shipped division codes load completely, quickly and idempotently."""

import pytest
from django.core.management import call_command

from areas.divisions import load_divisions, read_divisions
from areas.models import Area


def test_the_shipped_files_hold_every_level_with_parents_before_children():
    areas = read_divisions()
    counts = {level: sum(1 for a in areas if a.level == level) for level in ("province", "city", "county", "township")}
    # 2,978 counties and 41,352 townships in the files; 3 cities without counties and 金门县 are
    # listed twice under one code, and are kept once, at the higher level
    assert counts == {"province": 31, "city": 342, "county": 2975, "township": 41351}
    seen = set()
    for area in areas:
        assert area.parent_id is None or area.parent_id in seen, area.code
        seen.add(area.code)


@pytest.mark.django_db
def test_load_divisions_loads_everything_then_changes_nothing(capsys):
    first = load_divisions()
    assert sum(first.added.values()) == 44699
    shili = Area.objects.get(code="530921201000")
    assert (shili.name, shili.level, shili.parent_id) == ("诗礼乡", "township", "530921000000")
    assert Area.objects.get(code="530000000000").is_western
    assert not Area.objects.get(code="440000000000").is_western
    assert Area.objects.get(code="441900003000").parent_id == "441900000000"  # 东莞: townships under the city

    second = load_divisions()
    assert sum(second.added.values()) == 0
    assert sum(second.changed.values()) == 0
    assert second.unchanged == 44699


@pytest.mark.django_db
def test_load_divisions_reports_a_changed_name_and_keeps_local_villages(capsys):
    load_divisions()
    Area.objects.filter(code="530921201000").update(name="旧名")
    Area.objects.create(code="530921201200", name="孔兴村", level="village", parent_id="530921201000")

    call_command("load_divisions")

    assert "township: +0 ~1" in capsys.readouterr().out
    assert Area.objects.get(code="530921201000").name == "诗礼乡"
    assert Area.objects.filter(code="530921201200").exists()
