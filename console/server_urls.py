from django.urls import path

from console import server_views

app_name = "servers"

urlpatterns = [
    path("servers/", server_views.server_list, name="list"),
    path("servers/<uuid:pk>/", server_views.server_detail, name="detail"),
    path(
        "servers/<uuid:pk>/create-image/",
        server_views.server_create_image,
        name="create_image",
    ),
]
