from django.urls import path

from images import detail_views, tag_views, views

app_name = "images"

urlpatterns = [
    path("", views.image_list, name="list"),
    path("create/", views.image_create, name="create"),
    path("delete/", detail_views.image_bulk_delete, name="bulk_delete"),
    path("tag-suggestions/<str:part>/", tag_views.tag_suggestions, name="tag_suggestions"),
    path("<uuid:pk>/", detail_views.image_detail, name="detail"),
    path("<uuid:pk>/status/", detail_views.image_detail_status, name="detail_status"),
    path("<uuid:pk>/edit/<str:field>/", detail_views.image_edit_field, name="edit_field"),
    path("<uuid:pk>/delete/", detail_views.image_delete, name="delete"),
    path("<uuid:pk>/tags/add/", tag_views.tag_add, name="tag_add"),
    path("<uuid:pk>/tags/<int:tag_id>/edit/", tag_views.tag_edit, name="tag_edit"),
    path("<uuid:pk>/tags/<int:tag_id>/delete/", tag_views.tag_delete, name="tag_delete"),
    path("<uuid:pk>/row/", views.image_row, name="row"),
    path("<uuid:pk>/retry/", views.image_retry, name="retry"),
]
