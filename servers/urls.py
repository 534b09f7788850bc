from django.urls import path

from servers import views

app_name = "servers"

urlpatterns = [
    path("servers/", views.server_list, name="list"),
    path("servers/<uuid:pk>/", views.server_detail, name="detail"),
    path(
        "servers/<uuid:pk>/create-image/",
        views.server_create_image,
        name="create_image",
    ),
]
