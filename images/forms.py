"""Input checks of the image pages (business rules live in the services)."""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from console.formats import human_size, lazy_number
from images.models import Image, OsType
from images.rules import (
    MAX_MIN_DISK_GB,
    MAX_MIN_RAM_GB,
    MAX_TAGS,
    MSG_NAME,
    MSG_STORAGE_DOWN,
    MSG_TAG_COUNT,
    MSG_TAG_DUPLICATE,
    NAME_HELP,
    NAME_MAX,
    NAME_RE,
    clean_tag,
)

MSG_URL_SCHEME = _("The image file URL must start with http:// or https://.")
MSG_URL_SUFFIX = _("The image file URL must point to a .qcow2 file.")
MSG_URL_LENGTH = _("The image file URL can be at most 255 characters.")
MSG_URL_INVALID = _("Enter a valid URL, for example https://storage.example.com/ubuntu.qcow2.")
MSG_SOURCE_MISSING = _("Give either an image file URL or a .qcow2 file to upload.")
MSG_SOURCE_BOTH = _("Give either an image file URL or a file to upload, not both.")
MSG_FILE_SUFFIX = _("The uploaded file must be a .qcow2 file.")
MSG_FILE_EMPTY = _("The uploaded file is empty.")
MSG_FILE_TOO_LARGE = _("The uploaded file is larger than the {limit} limit.")


def clean_image_name(value: str) -> str:
    # Too long a name is reported once, by the field's length check, with the same words.
    if len(value or "") <= NAME_MAX and not NAME_RE.fullmatch(value or ""):
        raise ValidationError(MSG_NAME, code="invalid_name")
    return value


class ImageNameField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Image name"))
        kwargs.setdefault("max_length", NAME_MAX)
        kwargs.setdefault("strip", False)
        kwargs.setdefault("help_text", NAME_HELP)
        super().__init__(**kwargs)
        self.validators.append(clean_image_name)
        self.error_messages["max_length"] = MSG_NAME
        self.error_messages["required"] = _("Enter an image name.")


def os_type_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("OS type"),
        choices=[("", _("Select an OS type")), *OsType.choices],
        error_messages={
            "required": _("Select an OS type."),
            "invalid_choice": _("Select an OS type."),
        },
    )


def gb_field(label, maximum: int) -> forms.IntegerField:
    """A whole number of GB from 0 to ``maximum`` (Minimum Disk, Minimum RAM)."""
    out_of_range = format_lazy(
        _("{label} must be between 0 and {maximum} GB."), label=label, maximum=lazy_number(maximum)
    )
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=maximum,
        initial=0,
        help_text=format_lazy(_("GB, 0-{maximum}"), maximum=lazy_number(maximum)),
        widget=forms.NumberInput(attrs={"min": 0, "max": maximum, "step": 1}),
        error_messages={
            "required": format_lazy(_("Enter the {label} in GB."), label=label),
            "invalid": _("Enter a whole number of GB."),
            "min_value": out_of_range,
            "max_value": out_of_range,
        },
    )


def clean_file_url(url: str) -> str:
    """An http(s) URL of a .qcow2 file (the import checks where it really leads)."""
    if len(url) > 255:
        raise ValidationError(MSG_URL_LENGTH, code="url_length")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # e.g. an unbalanced "[" of an IPv6 host
        raise ValidationError(MSG_URL_INVALID, code="url_invalid") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValidationError(MSG_URL_SCHEME, code="url_scheme")
    if not hostname or any(c.isspace() for c in url):
        raise ValidationError(MSG_URL_INVALID, code="url_invalid")
    if not parts.path.lower().endswith(".qcow2"):
        raise ValidationError(MSG_URL_SUFFIX, code="url_suffix")
    return url


def parse_tags(keys: list[str], values: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """Pairs from parallel key/value inputs (blank rows ignored) and the errors found."""
    pairs: list[tuple[str, str]] = []
    errors: list[str] = []
    seen: set[str] = set()
    for index in range(max(len(keys), len(values))):
        key = keys[index].strip() if index < len(keys) else ""
        value = values[index].strip() if index < len(values) else ""
        if not key and not value:
            continue
        try:
            key, value = clean_tag(key, value)
        except ValueError as error:
            errors.append(str(error))
            continue
        if key in seen:
            errors.append(MSG_TAG_DUPLICATE.format(key=key))
            continue
        seen.add(key)
        pairs.append((key, value))
    if len(pairs) > MAX_TAGS:
        errors.append(MSG_TAG_COUNT)
    return pairs, list(dict.fromkeys(errors))


class ImageCreateForm(forms.Form):
    SOURCE_URL = "url"
    SOURCE_FILE = "file"

    name = ImageNameField()
    source = forms.ChoiceField(
        label=_("Image file"),
        choices=[(SOURCE_URL, _("Image file URL")), (SOURCE_FILE, _("Upload a file"))],
        initial=SOURCE_URL,
        widget=forms.RadioSelect,
        required=False,
    )
    file_url = forms.CharField(
        label=_("Image file URL"),
        required=False,
        strip=True,
        max_length=255,
        help_text=_("http(s) URL of a .qcow2 file, at most 255 characters"),
        widget=forms.TextInput(
            attrs={
                "placeholder": format_lazy(
                    _("e.g. {example}"), example="https://storage.example.com/ubuntu.qcow2"
                )
            }
        ),
        error_messages={"max_length": MSG_URL_LENGTH},
    )
    upload = forms.FileField(
        label=_("Image file"),
        required=False,
        help_text=_("A .qcow2 file from your computer"),
        widget=forms.ClearableFileInput(attrs={"accept": ".qcow2"}),
    )
    os_type = os_type_field()
    min_disk_gb = gb_field(_("Minimum Disk"), MAX_MIN_DISK_GB)
    min_ram_gb = gb_field(_("Minimum RAM"), MAX_MIN_RAM_GB)
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Image.Visibility.choices,
        initial=Image.Visibility.PRIVATE,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose Private or Shared.")},
    )
    protected = forms.BooleanField(label=_("Protected"), required=False)
    # Tags come as parallel tag_key / tag_value inputs; this field carries their errors.
    tags = forms.CharField(label=_("Tags"), required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args, upload_too_large: bool = False, upload_storage_down: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.upload_too_large = upload_too_large
        self.upload_storage_down = upload_storage_down
        self.tags: list[tuple[str, str]] = []
        self.tag_rows: list[tuple[str, str]] = []
        self.tag_errors: list[str] = []
        if self.is_bound:
            keys = self.data.getlist("tag_key")
            values = self.data.getlist("tag_value")
            self.tag_rows = [
                (k, v) for k, v in zip(keys, values, strict=False) if k.strip() or v.strip()
            ]

    def clean_file_url(self) -> str:
        url = self.cleaned_data["file_url"]
        return clean_file_url(url) if url else ""

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if self.upload_too_large:
            limit = human_size(settings.CONSOLE_MAX_IMAGE_BYTES)
            raise ValidationError(MSG_FILE_TOO_LARGE.format(limit=limit), code="too_large")
        if self.upload_storage_down:
            raise ValidationError(MSG_STORAGE_DOWN, code="storage_down")
        if upload is None:
            return None
        if not upload.name.lower().endswith(".qcow2"):
            raise ValidationError(MSG_FILE_SUFFIX, code="file_suffix")
        if upload.size == 0:
            raise ValidationError(MSG_FILE_EMPTY, code="file_empty")
        if upload.size > settings.CONSOLE_MAX_IMAGE_BYTES:
            limit = human_size(settings.CONSOLE_MAX_IMAGE_BYTES)
            raise ValidationError(MSG_FILE_TOO_LARGE.format(limit=limit), code="too_large")
        return upload

    def clean(self):
        cleaned = super().clean()
        self._follow_chosen_source(cleaned)
        url = cleaned.get("file_url")
        upload = cleaned.get("upload")
        has_url_error = "file_url" in self.errors or "upload" in self.errors
        if url and upload:
            self.add_error(None, ValidationError(MSG_SOURCE_BOTH, code="source_both"))
        elif not url and not upload and not has_url_error:
            field = "upload" if cleaned.get("source") == self.SOURCE_FILE else "file_url"
            self.add_error(field, ValidationError(MSG_SOURCE_MISSING, code="source_missing"))
        self.tags, self.tag_errors = parse_tags(
            self.data.getlist("tag_key"), self.data.getlist("tag_value")
        )
        for message in self.tag_errors:
            self.add_error("tags", ValidationError(message, code="tags"))
        return cleaned

    def _follow_chosen_source(self, cleaned: dict) -> None:
        """The source picked with the switch decides: the other one's input, still filled
        in but hidden, is set aside with its errors, which the page could not show.

        Without JavaScript both inputs show and the switch may have been left at "Image
        file URL": a chosen file with an empty URL then counts as the upload.
        """
        source = cleaned.get("source") or self.SOURCE_URL
        url_given = bool((self.data.get("file_url") or "").strip())
        if source == self.SOURCE_URL and not url_given and self.files.get("upload"):
            source = self.SOURCE_FILE
        set_aside = "file_url" if source == self.SOURCE_FILE else "upload"
        cleaned["source"] = source
        cleaned[set_aside] = None if set_aside == "upload" else ""
        self.errors.pop(set_aside, None)
