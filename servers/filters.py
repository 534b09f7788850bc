"""The GPU server list's filters."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from servers.models import GpuServer


class ServerFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        label=_("Server name"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Search by name")}),
    )
    status = django_filters.ChoiceFilter(
        choices=GpuServer.Status.choices, empty_label=_("All statuses"), label=_("Status")
    )

    class Meta:
        model = GpuServer
        fields = ["name", "status"]
