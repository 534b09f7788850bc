from django.urls import path

from sharing import views

app_name = "sharing"

urlpatterns = [
    path("receive/", views.receive, name="receive"),
    path("pending/", views.pending, name="pending"),
    path("<uuid:pk>/share/", views.share, name="share"),
    path("<uuid:pk>/accept/", views.accept, name="accept"),
    path("<uuid:pk>/reject/", views.reject, name="reject"),
    path("<uuid:pk>/shares/<int:share_pk>/stop/", views.stop, name="stop"),
]
