from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = "帮扶"

    def ready(self):
        # the cause-without-measure rules join the data-quality rules of households.quality
        from assistance import quality  # noqa: F401
