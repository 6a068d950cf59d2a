"""The exit case gets its proxy identification case (exits/exit_publicity.py) and the state of the
city's filing; 0006 carries the old publicity over, 0007 drops what it replaced. Three migrations,
so that on PostgreSQL the data moves in a transaction of its own: a table cannot be altered in the
transaction that still holds its deferred foreign-key checks."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exits", "0005_review_act_dates"),
        ("identification", "0004_exit_campaign_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="exitcase",
            name="publicity_case",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="exit_case",
                to="identification.case",
            ),
        ),
        migrations.AlterField(
            model_name="exitcase",
            name="state",
            field=models.CharField(
                choices=[
                    ("proposed", "拟退出（预脱贫）"),
                    ("village_appraised", "村评议"),
                    ("home_verified", "入户核实"),
                    ("acknowledged", "户认可签字"),
                    ("in_publicity", "村内公示中"),
                    ("publicized", "公示期满"),
                    ("township_reviewed", "乡镇审核"),
                    ("county_approved", "县审定"),
                    ("announced", "已公告退出"),
                    ("city_filed", "市备案"),
                    ("filed", "市、省备案"),
                    ("withdrawn", "本年不退出"),
                ],
                default="proposed",
                max_length=20,
                verbose_name="环节",
            ),
        ),
    ]
