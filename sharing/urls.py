from django.urls import path

from sharing import views

app_name = "sharing"

urlpatterns = [
    path("pending/", views.pending_shares, name="pending"),
]
