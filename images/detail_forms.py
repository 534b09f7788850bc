"""Input checks of the image detail page: the in-place field editors and the tag forms
(business rules, such as the tag limit, live in the services)."""

from dataclasses import dataclass

from django import forms

from images.models import MAX_MIN_DISK_GB, MAX_MIN_RAM_GB, Image

MSG_TAG_KEY = "Enter a key of 1 to 128 characters."
MSG_TAG_VALUE = "Tag values are at most 256 characters."


def _gb_field(label: str, maximum: int) -> forms.IntegerField:
    message = f"{label} must be a whole number of GB between 0 and {maximum:,}."
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=maximum,
        help_text=f"GB, 0-{maximum:,}",
        widget=forms.NumberInput(attrs={"min": 0, "max": maximum, "step": 1}),
        error_messages={
            "required": f"Enter the {label.lower()} in GB.",
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
    )


class MinDiskForm(forms.Form):
    min_disk_gb = _gb_field("Minimum Disk", MAX_MIN_DISK_GB)


class MinRamForm(forms.Form):
    min_ram_gb = _gb_field("Minimum RAM", MAX_MIN_RAM_GB)


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
