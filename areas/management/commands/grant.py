"""python manage.py grant USERNAME ROLE AREA_CODE [--password P] [--revoke]"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, no_translations

from areas import services
from areas.codes import full_code
from areas.models import Area
from areas.roles import ROLE_ACTIONS
from core.errors import ServiceError


class Command(BaseCommand):
    help = "Grant (or with --revoke, take away) a role on an area; creates the user if needed."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", help="one of: " + ", ".join(ROLE_ACTIONS))
        parser.add_argument("area_code", help="division code (2, 4, 6, 9 or 12 digits; 15 for a group)")
        parser.add_argument("--password", help="set this password (creates the user if missing)")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--revoke", action="store_true")

    @no_translations  # an administrator's command: messages in English, like Django's own
    def handle(self, username, role, area_code, password=None, full_name="", revoke=False, **options):
        if role not in ROLE_ACTIONS:
            raise CommandError(f"unknown role {role!r}; roles are: {', '.join(ROLE_ACTIONS)}")
        code = full_code(area_code.strip()) if area_code.strip().isdigit() else area_code
        if not Area.objects.filter(code=code).exists():
            raise CommandError(f"no area has the code {area_code!r} (run load_divisions first?)")
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            if revoke:
                raise CommandError(f"no user {username!r}")
            user = User(username=username, first_name=full_name)
            user.set_password(password) if password else user.set_unusable_password()
            user.save()
            self.stdout.write(f"created user {username}")
        elif password:
            user.set_password(password)
            user.save(update_fields=["password"])
            self.stdout.write(f"password of {username} set")
        try:
            if revoke:
                done = services.revoke_role(actor=None, user=user, role=role, area_code=code)
                self.stdout.write(
                    f"revoked {role} on {code} from {username}" if done else f"{username} did not hold {role} on {code}"
                )
            else:
                done = services.grant_role(actor=None, user=user, role=role, area_code=code)
                self.stdout.write(
                    f"granted {role} on {code} to {username}" if done else f"{username} already holds {role} on {code}"
                )
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
