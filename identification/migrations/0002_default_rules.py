"""The default must-include, priority and exclusion conditions of DOMAIN.md 7.1 and 7.2
(Zhenba county's 8-4-2 and "四进七不进"); a county edits its own copies."""

from django.db import migrations

EXCLUSION = [
    ("public_salary", "家庭成员由财政供养或在大型国有企业稳定就业", "excl_public_salary"),
    ("village_cadre", "家庭成员为现任村委会干部", "excl_village_cadre"),
    ("town_property", "在城镇购买商品房或门面", "excl_town_property"),
    ("private_car", "拥有私家车（购买价3万元以上）", "excl_private_car"),
    ("large_machinery", "拥有大型农机具或工程机械", "excl_large_machinery"),
    ("runs_business", "家庭成员经营登记注册的公司、合作社或雇工", "excl_runs_business"),
    ("split_to_qualify", "为享受政策分户、合户", "excl_split_to_qualify"),
    ("not_resident", "户在人不在（空挂户）", "excl_not_resident"),
    ("abroad_or_insurance", "自费出国留学或购买商业养老保险", "excl_study_abroad_or_commercial_insurance"),
    ("unexplained_complaint", "被举报且不能说明情况", "excl_unexplained_complaint"),
]
MUST_INCLUDE = [
    ("income_below_line", "家庭人均纯收入低于扶贫标准"),
    ("child_out_of_school", "因贫困导致子女义务教育阶段辍学"),
    ("no_safe_house", "无房或唯一住房为危房且无能力修缮"),
    ("medical_costs", "因病医疗费用经各项救助后仍超出家庭承受能力"),
]
PRIORITY = [
    ("ordinary_villagers", "同等条件下普通群众优先于党员（村干部原则上不纳入）"),
    ("disabled_without_labour", "同等条件下残疾且无劳动能力者优先"),
    ("orphans", "同等条件下孤儿优先"),
    ("two_daughters", "同等条件下双女户优先"),
    ("military_martyr", "同等条件下军烈属优先"),
    ("disaster_victims", "同等条件下受灾户优先"),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("identification", "IdentificationRule")
    for position, (key, label, field) in enumerate(EXCLUSION):
        Rule.objects.get_or_create(kind="exclusion", county=None, key=key, defaults={"label": label, "household_field": field, "position": position})
    for position, (key, label) in enumerate(MUST_INCLUDE):
        Rule.objects.get_or_create(kind="must_include", county=None, key=key, defaults={"label": label, "position": position})
    for position, (key, label) in enumerate(PRIORITY):
        Rule.objects.get_or_create(kind="priority", county=None, key=key, defaults={"label": label, "position": position})


class Migration(migrations.Migration):
    dependencies = [("identification", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
