# Work history keeps what happened as data (a message code and its parameters) instead of
# an English sentence; every existing row is converted, and a sentence the console no
# longer recognises is kept word for word, so nothing is lost and old rows read the same.

from django.db import migrations, models

from console.migrations._legacy_sentences import convert

BATCH = 2000


def sentences_to_messages(apps, schema_editor):
    WorkHistory = apps.get_model("console", "WorkHistory")
    db = schema_editor.connection.alias
    rows = WorkHistory.objects.using(db).order_by("pk").values_list("pk", "work_details")
    batch = []
    for pk, sentence in rows.iterator(chunk_size=BATCH):
        batch.append(WorkHistory(pk=pk, details=convert(sentence)))
        if len(batch) >= BATCH:
            WorkHistory.objects.using(db).bulk_update(batch, ["details"])
            batch = []
    if batch:
        WorkHistory.objects.using(db).bulk_update(batch, ["details"])


def messages_to_sentences(apps, schema_editor):
    from console.phrases import render

    WorkHistory = apps.get_model("console", "WorkHistory")
    db = schema_editor.connection.alias
    batch = []
    for pk, details in WorkHistory.objects.using(db).values_list("pk", "details").iterator():
        batch.append(WorkHistory(pk=pk, work_details=render(details) if details else ""))
        if len(batch) >= BATCH:
            WorkHistory.objects.using(db).bulk_update(batch, ["work_details"])
            batch = []
    if batch:
        WorkHistory.objects.using(db).bulk_update(batch, ["work_details"])


TOPICS = [
    ("CreateImage", "CreateImage"),
    ("CreateGpuServerImage", "CreateGpuServerImage"),
    ("ImportImage", "ImportImage"),
    ("RetryImageImport", "RetryImageImport"),
    ("SetImage", "SetImage"),
    ("DeleteImage", "DeleteImage"),
    ("CreateTag", "CreateTag"),
    ("SetTag", "SetTag"),
    ("DeleteTag", "DeleteTag"),
    ("CreateImageMember", "CreateImageMember"),
    ("SetImageMember", "SetImageMember"),
    ("DeleteImageMember", "DeleteImageMember"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0004_gpuserver_moves_to_servers"),
    ]

    operations = [
        migrations.AddField(
            model_name="workhistory",
            name="details",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(sentences_to_messages, messages_to_sentences),
        migrations.RemoveField(
            model_name="workhistory",
            name="work_details",
        ),
        migrations.AlterField(
            model_name="workhistory",
            name="event_topic",
            field=models.CharField(choices=TOPICS, max_length=64),
        ),
        migrations.AlterField(
            model_name="workhistory",
            name="resource_type",
            field=models.CharField(
                choices=[("Image", "Image"), ("GpuServer", "GPU server")], max_length=64
            ),
        ),
    ]
