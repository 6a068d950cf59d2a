"""ExitObjection and the per-case publicity fields go, once 0006 has carried them over to
identification's notices and objections."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("exits", "0007_exit_publicity_carried_over")]

    operations = [
        migrations.RemoveField(model_name="exitcase", name="posted_place"),
        migrations.RemoveField(model_name="exitcase", name="publicity_ends_on"),
        migrations.RemoveField(model_name="exitcase", name="publicity_starts_on"),
        migrations.DeleteModel(name="ExitObjection"),
    ]
