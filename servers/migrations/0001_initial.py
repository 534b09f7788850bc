# Takes over the GPU server model from the console app (console.0004) without touching
# its table: the rows of console_gpuserver stay, and so do staff permissions, whose
# content type moves to this app.

import uuid

import django.db.models.deletion
from django.db import migrations, models


def move_content_type(apps, schema_editor, old="console", new="servers"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model="gpuserver").exists():
        ContentType.objects.using(db).filter(app_label=old, model="gpuserver").update(app_label=new)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old="servers", new="console")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("console", "0004_gpuserver_moves_to_servers"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("images", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="GpuServer",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("name", models.CharField(max_length=255)),
                        (
                            "status",
                            models.CharField(
                                choices=[("Running", "Running"), ("Stopped", "Stopped")],
                                default="Running",
                                max_length=8,
                            ),
                        ),
                        (
                            "gpu_type",
                            models.CharField(
                                default="H100", max_length=32, verbose_name="GPU type"
                            ),
                        ),
                        (
                            "gpu_count",
                            models.PositiveSmallIntegerField(default=1, verbose_name="GPU count"),
                        ),
                        ("flavor", models.CharField(blank=True, max_length=64)),
                        ("root_disk", models.CharField(max_length=255)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "account",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="gpu_servers",
                                to="console.account",
                            ),
                        ),
                        (
                            "image",
                            models.ForeignKey(
                                blank=True,
                                help_text="The image the server was created from.",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="servers",
                                to="images.image",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "GPU server",
                        "db_table": "console_gpuserver",
                        "ordering": ["name", "id"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("status__in", ["Running", "Stopped"])),
                                name="gpuserver_status_valid",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("gpu_count__gte", 1)),
                                name="gpuserver_gpu_count",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back, elidable=True),
    ]
