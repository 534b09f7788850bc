"""Input of the GPU server pages: the Create Image popup and the staff's server form."""

import re

from django import forms
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from images.forms import ImageNameField, os_type_field
from images.models import Image
from servers.models import GpuServer


class ServerImageForm(forms.Form):
    """The Create Image popup: the image name, and the OS type only when it is unknown."""

    name = ImageNameField()
    os_type = os_type_field()

    def __init__(self, *args, ask_os_type: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        if not ask_os_type:
            del self.fields["os_type"]


def suggested_image_name(server: GpuServer) -> str:
    """A valid default image name: the server's name (other characters made dashes), dated."""
    base = re.sub(r"[^A-Za-z0-9 _-]+", "-", server.name).strip(" -")[:200] or "server"
    return f"{base}-{timezone.localdate():%Y%m%d}"


MSG_DISK_MISSING = _("No file with this name in the image storage.")
MSG_DISK_NAME = _("Give a relative storage name such as servers/<server id>/root.qcow2.")
MSG_IMAGE_ACCOUNT = _("The image must belong to the server's account or be shared with it.")


class GpuServerAdminForm(forms.ModelForm):
    """The staff's server form: the root disk must be a file in the storage the images use,
    and the image one the account can see."""

    class Meta:
        model = GpuServer
        fields = [
            "account",
            "name",
            "status",
            "gpu_type",
            "gpu_count",
            "flavor",
            "image",
            "root_disk",
        ]
        help_texts = {
            "root_disk": _(
                "Storage name of the server's qcow2 root disk, e.g. servers/<server id>/root.qcow2."
            ),
        }

    def clean_root_disk(self) -> str:
        name = self.cleaned_data["root_disk"].strip()
        if name.startswith("/") or ".." in name.split("/") or "\\" in name:
            raise forms.ValidationError(MSG_DISK_NAME, code="disk_name")
        try:
            exists = default_storage.exists(name)
        except Exception:  # a name the storage refuses (e.g. outside its folder)
            exists = False
        if not exists:
            raise forms.ValidationError(MSG_DISK_MISSING, code="disk_missing")
        return name

    def clean(self) -> dict:
        cleaned = super().clean()
        account, image = cleaned.get("account"), cleaned.get("image")
        if (
            account is not None
            and image is not None
            and not Image.objects.visible_to(account).filter(pk=image.pk).exists()
        ):
            self.add_error("image", forms.ValidationError(MSG_IMAGE_ACCOUNT, code="image_account"))
        return cleaned
