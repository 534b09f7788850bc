# Why an import failed is kept as data (a message code and its parameters) instead of an
# English sentence; existing reasons are converted, unknown ones kept word for word.

from django.db import migrations, models

from console.migrations._legacy_sentences import reason, text


def reasons_to_messages(apps, schema_editor):
    Image = apps.get_model("images", "Image")
    db = schema_editor.connection.alias
    failed = Image.objects.using(db).exclude(failure_reason="")
    for pk, sentence in failed.values_list("pk", "failure_reason").iterator():
        message = reason(sentence) or text(sentence)
        Image.objects.using(db).filter(pk=pk).update(failure=message)


def messages_to_reasons(apps, schema_editor):
    from console.phrases import render

    Image = apps.get_model("images", "Image")
    db = schema_editor.connection.alias
    for pk, failure in Image.objects.using(db).exclude(failure={}).values_list("pk", "failure"):
        Image.objects.using(db).filter(pk=pk).update(failure_reason=render(failure)[:500])


class Migration(migrations.Migration):
    dependencies = [
        ("images", "0001_initial"),
        ("console", "0005_work_history_as_data"),
    ]

    operations = [
        migrations.AddField(
            model_name="image",
            name="failure",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(reasons_to_messages, messages_to_reasons),
        migrations.RemoveField(
            model_name="image",
            name="failure_reason",
        ),
    ]
