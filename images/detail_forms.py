"""Input checks of the image detail page: the in-place field editors and the tag forms
(business rules, such as the tag limit, live in the services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from images.forms import gb_field
from images.models import Image
from images.rules import (
    EDITABLE_FIELDS,
    MAX_MIN_DISK_GB,
    MAX_MIN_RAM_GB,
    MSG_TAG_KEY,
    MSG_TAG_VALUE,
    TAG_KEY_MAX,
    TAG_VALUE_MAX,
    EditableField,
)


class MinDiskForm(forms.Form):
    min_disk_gb = gb_field(_("Minimum Disk"), MAX_MIN_DISK_GB)


class MinRamForm(forms.Form):
    min_ram_gb = gb_field(_("Minimum RAM"), MAX_MIN_RAM_GB)


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Image.Visibility.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose Private or Shared."),
            "invalid_choice": _("Choose Private or Shared."),
        },
    )
    # How many shares the user agreed to stop when switching to Private.
    stop_shares = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class ProtectedForm(forms.Form):
    protected = forms.BooleanField(label=_("Protect the image from deletion"), required=False)


# The form of each editable field (the fields themselves are listed in images.rules).
FORMS: dict[str, type[forms.Form]] = {
    "min_disk_gb": MinDiskForm,
    "min_ram_gb": MinRamForm,
    "visibility": VisibilityForm,
    "protected": ProtectedForm,
}

# Editable fields by the slug their URL uses.
EDITABLE: dict[str, EditableField] = {f.slug: f for f in EDITABLE_FIELDS.values()}


class TagForm(forms.Form):
    key = forms.CharField(
        label=_("Key"),
        max_length=TAG_KEY_MAX,
        error_messages={"required": MSG_TAG_KEY, "max_length": MSG_TAG_KEY},
        widget=forms.TextInput(attrs={"maxlength": TAG_KEY_MAX, "autocomplete": "off"}),
    )
    value = forms.CharField(
        label=_("Value"),
        max_length=TAG_VALUE_MAX,
        required=False,
        error_messages={"max_length": MSG_TAG_VALUE},
        widget=forms.TextInput(attrs={"maxlength": TAG_VALUE_MAX, "autocomplete": "off"}),
    )
