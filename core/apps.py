from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "核心"

    def ready(self):
        # signal receivers: login failures count toward the lockout, a password change ends the user's tokens
        from core import auth, tokens  # noqa: F401
