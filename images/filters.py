import django_filters
from django import forms

from images.models import Image, OsType


class ImageFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        label="Image name",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search by name"}),
    )
    status = django_filters.ChoiceFilter(
        choices=Image.Status.choices, empty_label="All statuses", label="Status"
    )
    os_type = django_filters.ChoiceFilter(
        choices=OsType.choices, empty_label="All OS types", label="OS type"
    )
    visibility = django_filters.ChoiceFilter(
        choices=Image.Visibility.choices, empty_label="All", label="Visibility"
    )

    class Meta:
        model = Image
        fields = ["name", "status", "os_type", "visibility"]
