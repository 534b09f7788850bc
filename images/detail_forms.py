"""Input checks of the image detail page: the in-place field editors and the tag forms
(business rules, such as the tag limit, live in the services)."""

from dataclasses import dataclass

from django import forms

from images.forms import MSG_TAG_KEY, MSG_TAG_VALUE, gb_field
from images.models import MAX_MIN_DISK_GB, MAX_MIN_RAM_GB, Image


class MinDiskForm(forms.Form):
    min_disk_gb = gb_field("Minimum Disk", MAX_MIN_DISK_GB)


class MinRamForm(forms.Form):
    min_ram_gb = gb_field("Minimum RAM", MAX_MIN_RAM_GB)


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(
        label="Visibility",
        choices=Image.Visibility.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose Private or Shared.",
            "invalid_choice": "Choose Private or Shared.",
        },
    )
    # How many shares the user agreed to stop when switching to Private.
    stop_shares = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class ProtectedForm(forms.Form):
    protected = forms.BooleanField(label="Protect the image from deletion", required=False)


@dataclass(frozen=True)
class EditableField:
    slug: str  # in the URL
    name: str  # model field and form field
    label: str
    form_class: type[forms.Form]


EDITABLE = {
    f.slug: f
    for f in (
        EditableField("min-disk", "min_disk_gb", "Minimum Disk", MinDiskForm),
        EditableField("min-ram", "min_ram_gb", "Minimum RAM", MinRamForm),
        EditableField("visibility", "visibility", "Visibility", VisibilityForm),
        EditableField("protected", "protected", "Protected", ProtectedForm),
    )
}


class TagForm(forms.Form):
    key = forms.CharField(
        label="Key",
        max_length=128,
        error_messages={"required": MSG_TAG_KEY, "max_length": MSG_TAG_KEY},
        widget=forms.TextInput(attrs={"maxlength": 128, "autocomplete": "off"}),
    )
    value = forms.CharField(
        label="Value",
        max_length=256,
        required=False,
        error_messages={"max_length": MSG_TAG_VALUE},
        widget=forms.TextInput(attrs={"maxlength": 256, "autocomplete": "off"}),
    )
