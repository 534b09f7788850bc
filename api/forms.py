"""The "Create API key" form."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from console.models import Membership

MSG_NAME_REQUIRED = _("Name the key.")


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("API key", "Name"),
        max_length=64,
        help_text=_("What the key is for, e.g. ci-pipeline (1-64 characters)"),
        error_messages={
            "required": MSG_NAME_REQUIRED,
            "max_length": _("Use at most 64 characters."),
        },
    )
    account = forms.ChoiceField(
        label=_("Account"),
        help_text=_("The key acts in this account with your role there."),
        error_messages={"invalid_choice": _("Choose one of your accounts.")},
    )

    def __init__(self, *args, memberships: list[Membership], **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships = {m.account_id: m for m in memberships}
        self.fields["account"].choices = [
            (m.account_id, f"{m.account.name} ({m.get_role_display()})") for m in memberships
        ]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(MSG_NAME_REQUIRED, code="required")
        return name

    @property
    def membership(self) -> Membership:
        return self.memberships[self.cleaned_data["account"]]
