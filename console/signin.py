"""The sign-in form, in the console's own words (the glossary's terms in Korean)."""

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Enter a correct user name and password. Both are case-sensitive."),
        "inactive": _("This user cannot sign in."),
    }
