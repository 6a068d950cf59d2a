from django.apps import AppConfig


class ExitsConfig(AppConfig):
    name = "exits"
    verbose_name = "退出与动态管理"

    def ready(self):
        # open exit and monitoring cases hold their household's members (households.holds)
        from exits import holds  # noqa: F401
