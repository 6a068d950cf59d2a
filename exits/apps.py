from django.apps import AppConfig


class ExitsConfig(AppConfig):
    name = "exits"
    verbose_name = "退出与动态管理"
