import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from images.models import Image, OsType, Tag

PROTECTED_CHOICES = (("yes", _("Protected")), ("no", _("Not protected")))


class ImageFilter(django_filters.FilterSet):
    """The image list's filters, all in the URL (``?tag=env=prod&origin=server``), so a
    filtered list can be bookmarked and works without JavaScript."""

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
    tag = django_filters.CharFilter(
        method="filter_tag",
        label=_("Tag"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("key or key=value")}),
    )
    origin = django_filters.ChoiceFilter(
        choices=Image.Origin.choices, empty_label=_("All origins"), label=_("Origin")
    )
    protected = django_filters.ChoiceFilter(
        choices=PROTECTED_CHOICES,
        empty_label=_("All"),
        label=_("Protected"),
        method="filter_protected",
    )

    class Meta:
        model = Image
        fields = ["name", "status", "os_type", "visibility", "tag", "origin", "protected"]

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """``key`` finds images with that tag key; ``key=value`` also needs the value
        (exact, an empty value included: ``key=``)."""
        key, has_value, tag_value = value.partition("=")
        tags = Tag.objects.filter(key=key.strip())
        if has_value:
            tags = tags.filter(value=tag_value.strip())
        return queryset.filter(pk__in=tags.values("image_id"))

    def filter_protected(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(protected=value == "yes")
