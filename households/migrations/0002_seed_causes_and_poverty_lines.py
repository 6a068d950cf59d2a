"""Seed the national causes of poverty and poverty lines of DOMAIN.md sections 3.3 and 4.3.

Both are data an administrator can change afterwards. National lines are the current-price
values used by statistics; 2017 and 2018 have no statistical value in the sources, so the
yearly standards used by county exit assessments are seeded for them (3,335 and 3,535), and
2020 takes the rounded 4,000.
"""

from decimal import Decimal

from django.db import migrations

CAUSES = [
    ("01", "因病"), ("02", "因残"), ("03", "因学"), ("04", "因灾"), ("05", "缺土地"), ("06", "缺水"),
    ("07", "缺技术"), ("08", "缺劳动力"), ("09", "缺资金"), ("10", "交通条件落后"), ("11", "自身发展动力不足"), ("99", "其他"),
]
NATIONAL_LINES = {
    2011: ("2536", "现价"), 2012: ("2625", "现价"), 2013: ("2736", "现价"), 2014: ("2800", "现价"),
    2015: ("2855", "现价"), 2016: ("2952", "现价"), 2017: ("3335", "县级退出评估标准"),
    2018: ("3535", "县级退出评估标准"), 2019: ("3218", "现价"), 2020: ("4000", "约数"),
}


def seed(apps, schema_editor):
    CauseCode = apps.get_model("households", "CauseCode")
    PovertyLine = apps.get_model("households", "PovertyLine")
    for code, name in CAUSES:
        CauseCode.objects.get_or_create(code=code, province=None, defaults={"name": name})
    for year, (amount, note) in NATIONAL_LINES.items():
        PovertyLine.objects.get_or_create(
            year=year, level="national", area=None, defaults={"amount": Decimal(amount), "note": note}
        )


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
