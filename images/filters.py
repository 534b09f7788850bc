import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from images.models import Image, OsType


class ImageFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        label=_("Image name"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Search by name")}),
    )
    status = django_filters.ChoiceFilter(
        choices=Image.Status.choices, empty_label=_("All statuses"), label=_("Status")
    )
    os_type = django_filters.ChoiceFilter(
        choices=OsType.choices, empty_label=_("All OS types"), label=_("OS type")
    )
    visibility = django_filters.ChoiceFilter(
        choices=Image.Visibility.choices, empty_label=_("All"), label=_("Visibility")
    )

    class Meta:
        model = Image
        fields = ["name", "status", "os_type", "visibility"]
