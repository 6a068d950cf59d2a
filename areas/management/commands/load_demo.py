"""python manage.py load_demo: the demo county 凤庆县 with villages, groups and one login per role.

Idempotent: what exists is left as it is. Everything is made through the same services the pages use.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from areas import services
from areas.models import Area

SHILI = "530921201000"
FENGQING = "530921000000"
# 14 villages of 诗礼乡; the first six are named in the source documents, the others invented
SHILI_VILLAGES = [
    "孔兴",
    "诗礼",
    "三合",
    "牌坊",
    "乐平",
    "河平",
    "古墨",
    "清华",
    "永新",
    "民福",
    "马庄",
    "岔河",
    "大寨",
    "文华",
]
GROUP_NAMES = ["一组", "二组", "三组", "四组", "五组", "六组"]

# username, full name, role, area code
DEMO_USERS = [
    ("officer_fengqing", "凤庆县扶贫办 李主任", "county_officer", FENGQING),
    ("reviewer_shili", "诗礼乡审核员 张红", "township_reviewer", SHILI),
    ("clerk_kongxing", "孔兴村信息员 杨明", "village_clerk", "530921201200"),
    ("clerk_shili", "诗礼村信息员 赵丽", "village_clerk", "530921201201"),
    ("reviewer_xinhua", "新华乡审核员 王强", "township_reviewer", "530921202000"),
    ("inspector_lincang", "临沧市抽查组 陈静", "city_inspector", "530900000000"),
    ("province_yunnan", "云南省扶贫办 刘洋", "province_officer", "530000000000"),
    ("auditor_fengqing", "凤庆县监督 周正", "auditor", FENGQING),
]


class Command(BaseCommand):
    help = "Load the demo county (凤庆县, 诗礼乡's 14 villages with groups) and one demo login per role."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=300, help="how many demo households (300)")

    def handle(self, *args, **options):
        if not Area.objects.filter(code=SHILI).exists():
            raise CommandError("run load_divisions first: 诗礼乡 (530921201) is not loaded")
        User = get_user_model()
        password = settings.DEMO_PASSWORD
        with transaction.atomic():
            officer = self._user(User, *DEMO_USERS[0][:2], password)
            services.grant_role(actor=None, user=officer, role="county_officer", area_code=FENGQING)
            added = 0
            for index, name in enumerate(SHILI_VILLAGES):
                village_code = f"530921201{200 + index:03d}"
                if not Area.objects.filter(code=village_code).exists():
                    services.create_area(actor=officer, parent_code=SHILI, code=village_code, name=f"{name}村")
                    added += 1
                for group_index in range(3 + index % 4):
                    group_code = f"{village_code}{group_index + 1:03d}"
                    if not Area.objects.filter(code=group_code).exists():
                        services.create_area(
                            actor=officer, parent_code=village_code, code=group_code, name=GROUP_NAMES[group_index]
                        )
                        added += 1
            for username, full_name, role, code in DEMO_USERS[1:]:
                user = self._user(User, username, full_name, password)
                services.grant_role(
                    actor=officer if code.startswith("530921") else None, user=user, role=role, area_code=code
                )
            # a responsible cadre's login: no role, the households paired with the cadre are its scope
            self._user(User, "cadre", "驻村工作队 李文华", password)
            if not User.objects.filter(username="admin").exists():
                User.objects.create_superuser("admin", "", password)
        self.stdout.write(f"demo areas added: {added}")
        from households.demo import create_demo_households

        self.stdout.write(f"demo households added: {create_demo_households(options['households'])}")
        from exits.demo import run_demo_year

        year = run_demo_year()
        if year.skipped:
            self.stdout.write(f"demo years {year.id_year}-{year.exit_year}: already loaded, left as they are")
        else:
            self.stdout.write(
                f"demo years: {len(year.registered)} households registered in {year.id_year}, "
                f"{len(year.exited)} exited in {year.exit_year}, its review applied and both years frozen"
            )
        from reporting.demo import request_demo_reports

        self.stdout.write(f"demo reports requested: {request_demo_reports()}")
        self.stdout.write(f"demo logins (password {password}):")
        for username, full_name, role, code in DEMO_USERS:
            self.stdout.write(f"  {username:<18} {role:<18} {code}  {full_name}")
        self.stdout.write("  cadre              (no role)         paired households  驻村工作队 李文华")
        self.stdout.write("  admin              superuser")

    @staticmethod
    def _user(User, username, full_name, password):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=full_name)
            user.set_password(password)
            user.save()
        return user
