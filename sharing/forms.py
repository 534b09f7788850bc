"""Input of the share pages. Business rules (Private, server origin, own account,
already shared) live in ``sharing.services``."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sharing.services import ACCOUNT_ID_RE, ERROR_MALFORMED_ACCOUNT_ID, normalize_account_id


class ShareCreateForm(forms.Form):
    target_account_id = forms.CharField(
        label=_("Shared Account ID"),
        strip=True,
        error_messages={"required": _("Enter the Shared Account ID.")},
        widget=forms.TextInput(
            attrs={
                "maxlength": 64,
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": format_lazy(
                    _("e.g. {example}"), example="b3c2f6d1e0a94c7b8d5e4f3a2b1c0d9e"
                ),
                "class": "mono-input",
            }
        ),
        help_text=_(
            "The ID of the account to share with: 1 to 64 English letters, digits and "
            "hyphens (-). Its members accept the share with this image's Image ID."
        ),
    )

    def clean_target_account_id(self) -> str:
        value = normalize_account_id(self.cleaned_data["target_account_id"])
        # The pattern the service and the database constraint use.
        if not ACCOUNT_ID_RE.fullmatch(value):
            raise ValidationError(ERROR_MALFORMED_ACCOUNT_ID, code="malformed_account_id")
        return value


class ShareReceiveForm(forms.Form):
    """Get Image Share. Deliberately without field errors of its own: a malformed ID
    gets the same neutral answer as every other ID without a pending share."""

    image_id = forms.CharField(label=_("Image ID"), required=False, max_length=200)

    def image_uuid(self) -> uuid.UUID | None:
        if not self.is_valid():
            return None
        try:
            return uuid.UUID(self.cleaned_data["image_id"].strip())
        except ValueError:
            return None
