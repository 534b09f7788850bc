from django.urls import path

from console import activity

app_name = "activity"

urlpatterns = [
    path("", activity.activity_history, name="history"),
    path("download.csv", activity.activity_download, {"fmt": "csv"}, name="csv"),
    path("download.json", activity.activity_download, {"fmt": "json"}, name="json"),
]
