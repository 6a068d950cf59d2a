"""Loading the national division codes (province to township) shipped in areas/data/."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from areas.choices import Level
from areas.codes import full_code
from areas.models import WESTERN_PROVINCES, Area

__all__ = ["DATA_DIR", "LoadReport", "load_divisions", "read_divisions"]

DATA_DIR = Path(__file__).resolve().parent / "data"

# file, level, column holding the parent's short code
_FILES = [
    ("provinces.csv", Level.PROVINCE, None),
    ("cities.csv", Level.CITY, "provinceCode"),
    ("areas.csv", Level.COUNTY, "cityCode"),
    ("streets.csv", Level.TOWNSHIP, "areaCode"),
]


@dataclass
class LoadReport:
    added: dict[str, int]
    changed: dict[str, int]
    unchanged: int

    def __str__(self) -> str:
        parts = [f"{level}: +{self.added[level]} ~{self.changed[level]}" for level in self.added]
        return "; ".join(parts) + f"; unchanged {self.unchanged}"


def read_divisions(data_dir: Path = DATA_DIR) -> list[Area]:
    """Every national area from the CSV files, parents before children, as unsaved Area objects.

    Four rows repeat a higher level's code once padded to 12 digits: the cities without counties
    (东莞市 441900, 中山市 442000, 儋州市 460400) are listed again as their own county, and 金门县
    (350527) again as its own township. The first (higher) row is kept; the townships of those
    three cities then hang directly under the city, which is what their codes say.
    """
    areas: list[Area] = []
    seen: set[str] = set()
    for filename, level, parent_column in _FILES:
        with open(data_dir / filename, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                short = row["code"].strip()
                if full_code(short) in seen:
                    continue
                seen.add(full_code(short))
                areas.append(
                    Area(
                        code=full_code(short),
                        name=row["name"].strip(),
                        level=level,
                        parent_id=full_code(row[parent_column].strip()) if parent_column else None,
                        is_western=level == Level.PROVINCE and short in WESTERN_PROVINCES,
                    )
                )
    return areas


def load_divisions(data_dir: Path = DATA_DIR, batch_size: int = 5000) -> LoadReport:
    """Insert missing areas and update changed names, parents and flags; never delete anything.

    Idempotent: a second run reports everything unchanged. Villages and groups are left alone.
    """
    incoming = read_divisions(data_dir)
    existing = {
        code: (name, level, parent, western)
        for code, name, level, parent, western in Area.objects.exclude(
            level__in=[Level.VILLAGE, Level.GROUP]
        ).values_list("code", "name", "level", "parent_id", "is_western")
    }
    levels = [level for _file, level, _parent in _FILES]
    report = LoadReport(added=dict.fromkeys(levels, 0), changed=dict.fromkeys(levels, 0), unchanged=0)
    to_add: list[Area] = []
    to_change: list[Area] = []
    for area in incoming:
        current = existing.get(area.code)
        if current is None:
            to_add.append(area)
            report.added[area.level] += 1
        elif current != (area.name, area.level, area.parent_id, area.is_western):
            to_change.append(area)
            report.changed[area.level] += 1
        else:
            report.unchanged += 1
    with transaction.atomic():
        # parents come first in the files, and each batch is inserted in file order
        Area.objects.bulk_create(to_add, batch_size=batch_size)
        Area.objects.bulk_update(to_change, ["name", "level", "parent", "is_western"], batch_size=batch_size)
    return report
