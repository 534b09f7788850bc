"""The GPU server list's filters."""

import django_filters
from django import forms

from servers.models import GpuServer


class ServerFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        label="Server name",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search by name"}),
    )
    status = django_filters.ChoiceFilter(
        choices=GpuServer.Status.choices, empty_label="All statuses", label="Status"
    )

    class Meta:
        model = GpuServer
        fields = ["name", "status"]
