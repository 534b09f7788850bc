from django.urls import path

from images import detail_views, views

app_name = "images"

urlpatterns = [
    path("", views.image_list, name="list"),
    path("create/", views.image_create, name="create"),
    path("delete/", detail_views.image_bulk_delete, name="bulk_delete"),
    path("<uuid:pk>/", detail_views.image_detail, name="detail"),
    path("<uuid:pk>/row/", views.image_row, name="row"),
    path("<uuid:pk>/retry/", views.image_retry, name="retry"),
]
