from django.urls import path

from console import server_views

app_name = "servers"

urlpatterns = [
    path("servers/", server_views.server_list, name="list"),
]
