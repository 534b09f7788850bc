# GPU servers became an app of their own (servers). Only Django's picture of the models
# changes here: the table console_gpuserver and its rows stay where they are, and the
# servers app takes the model over in servers.0001_initial.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0003_gpuserver_image"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="GpuServer")],
            database_operations=[],
        ),
    ]
