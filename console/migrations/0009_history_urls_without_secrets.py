# Work-history rows written before the console stripped image file URLs keep a signed URL's
# user info and query string (its credentials and signature) in "Created image ... from
# <url>". Every member reads and downloads history: those parts are removed from old rows
# too, as they are from new ones. Nothing else of the rows changes.

from urllib.parse import urlsplit, urlunsplit

from django.db import migrations

CODE = "image.created.url"


def _without_secrets(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
        parts.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError:
        return ""
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def strip_urls(apps, schema_editor):
    WorkHistory = apps.get_model("console", "WorkHistory")
    db = schema_editor.connection.alias
    rows = WorkHistory.objects.using(db).filter(details__code=CODE)
    for row in rows.iterator(chunk_size=2000):
        params = dict(row.details.get("params") or {})
        url = str(params.get("url", ""))
        clean = _without_secrets(url)
        if clean != url:
            params["url"] = clean
            row.details = {**row.details, "params": params}
            row.save(update_fields=["details"])


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0008_scale_indexes"),
    ]

    operations = [
        migrations.RunPython(strip_urls, migrations.RunPython.noop, elidable=True),
    ]
