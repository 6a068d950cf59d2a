from django.apps import AppConfig


class IdentificationConfig(AppConfig):
    name = "identification"
    verbose_name = "精准识别"

    def ready(self):
        # open identification cases hold their household's members (households.holds)
        from identification import holds  # noqa: F401
