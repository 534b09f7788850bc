"""The request and response shapes of the API (the original service's v1 image API).

Requests are validated by these types (lengths, patterns, ranges, enums, no unknown
properties) and the OpenAPI document is generated from them, so the document and the
checks cannot drift apart. Business rules (a 51st tag, sharing a Private image) stay
in the services.
"""

import re
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, field_validator

from images.forms import MSG_URL_INVALID, clean_file_url
from images.rules import MAX_MIN_DISK_GB, MAX_MIN_RAM_GB, MAX_TAGS, NAME_PATTERN

OsDistro = Literal["alma", "centos", "oracle", "rhel", "rocky", "ubuntu"]
ImageStatus = Literal["queued", "importing", "active", "error"]
Visibility = Literal["private", "shared"]
MemberStatus = Literal["pending", "accepted", "rejected"]

MSG_TEXT = "must not contain NUL characters or unpaired surrogates"
MSG_TAG_KEY_SPACES = "must not start or end with white space"


def _plain_text(value: str) -> str:
    """Text PostgreSQL can store: no NUL character, nothing that is not UTF-8."""
    if "\x00" in value:
        raise ValueError(MSG_TEXT)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(MSG_TEXT) from None
    return value


def _tag_key(value: str) -> str:
    if value != value.strip():
        raise ValueError(MSG_TAG_KEY_SPACES)
    return value


def _file_url(value: str) -> str:
    """The Create Image form's check (and its words), then the documented pattern."""
    try:
        clean_file_url(value)
    except DjangoValidationError as error:
        raise ValueError(error.messages[0]) from None
    if not URL_RE.fullmatch(value):
        raise ValueError(MSG_URL_INVALID)
    return value


# The patterns are ECMA-262 compatible: the OpenAPI document carries them to clients.
ACCOUNT_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"
URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://([^\s\x00/?#\[\]@]*@)?[^\s\x00/?#\[\]@:]+(:[0-9]{1,5})?"
    r"/[^\s\x00?#]*\.[Qq][Cc][Oo][Ww]2(\?[^\s\x00#]*)?$"
)
# 1-128 characters, none of them NUL, not starting or ending with white space.
TAG_KEY_PATTERN = r"^[^\s\x00]([^\x00]*[^\s\x00])?$"
NO_NUL = r"^[^\x00]*$"
URL_RE = re.compile(URL_PATTERN)

ImageName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        pattern=NAME_PATTERN,
        description="1-255 characters: English letters, digits, space, - and _",
        examples=["ubuntu-22-04-cuda"],
    ),
]
FileUrl = Annotated[
    str,
    Field(
        max_length=255,
        # Checked by _file_url, which says what is wrong rather than quoting the pattern.
        json_schema_extra={"pattern": URL_PATTERN},
        description="http(s) URL of a .qcow2 file, at most 255 characters",
        examples=["https://storage.example.com/images/ubuntu.qcow2"],
    ),
    AfterValidator(_plain_text),
    AfterValidator(_file_url),
]
TagKey = Annotated[
    str,
    Field(min_length=1, max_length=128, pattern=TAG_KEY_PATTERN, examples=["team"]),
    AfterValidator(_plain_text),
    AfterValidator(_tag_key),
]
TagValue = Annotated[
    str,
    Field(max_length=256, pattern=NO_NUL, examples=["ml-platform"]),
    AfterValidator(_plain_text),
]
FilterText = Annotated[str, Field(max_length=255, pattern=NO_NUL), AfterValidator(_plain_text)]
MemberId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=ACCOUNT_ID_PATTERN,
        description="Account ID: 1-64 English letters, digits and -",
        examples=["b3c2f6d1e0a94c7b8d5e4f3a2b1c0d9e"],
    ),
]
MinDisk = Annotated[int, Field(ge=0, le=MAX_MIN_DISK_GB, strict=True, description="GB")]
MinRam = Annotated[int, Field(ge=0, le=MAX_MIN_RAM_GB, strict=True, description="GB")]


class Request(Schema):
    """A request body: unknown properties are refused, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


# Requests ------------------------------------------------------------------------------


class TagIn(Request):
    key: TagKey
    value: TagValue | None = None


def _unique_keys(tags: list[TagIn]) -> list[TagIn]:
    seen: set[str] = set()
    for tag in tags:
        if tag.key in seen:
            raise ValueError(f"tag keys must be unique: {tag.key} is used twice")
        seen.add(tag.key)
    return tags


class ImageCreateIn(Request):
    name: ImageName
    os_distro: OsDistro
    url: FileUrl
    min_disk: MinDisk = 0
    min_ram: MinRam = 0
    visibility: Visibility = "private"
    protected: bool = False
    disk_format: Literal["qcow2"] = "qcow2"
    container_format: Literal["bare"] = "bare"
    tags: Annotated[list[TagIn], Field(max_length=MAX_TAGS)] = []

    @field_validator("tags")
    @classmethod
    def _unique(cls, tags: list[TagIn]) -> list[TagIn]:
        return _unique_keys(tags)


def _absent() -> object:
    """An optional property that, when sent, must have its type (null is refused)."""
    return Field(None, json_schema_extra=lambda schema: schema.pop("default", None))


class ImageUpdateIn(Request):
    """Any of the fields that may change after creation."""

    min_disk: MinDisk = _absent()
    min_ram: MinRam = _absent()
    protected: bool = _absent()
    visibility: Visibility = _absent()


class ImageImportIn(Request):
    url: FileUrl


class MemberCreateIn(Request):
    member_id: MemberId


class MemberUpdateIn(Request):
    status: MemberStatus


class ServerImageIn(Request):
    image_name: ImageName
    os_distro: OsDistro = Field(
        None,
        json_schema_extra=lambda schema: schema.pop("default", None),
        description=(
            "OS type of the new image; needed only when the server was not created from an "
            "image the console knows"
        ),
    )


class TagBulkIn(Request):
    tags: Annotated[list[TagIn], Field(max_length=MAX_TAGS)]

    @field_validator("tags")
    @classmethod
    def _unique(cls, tags: list[TagIn]) -> list[TagIn]:
        return _unique_keys(tags)


class TagValueIn(Request):
    value: TagValue | None = None


SORT_KEYS = (
    "name",
    "status",
    "visibility",
    "os_distro",
    "min_disk",
    "min_ram",
    "size",
    "virtual_size",
    "created_at",
    "updated_at",
    "id",
)
_SORT_ITEM = "(" + "|".join(SORT_KEYS) + ")(:(asc|desc))?"
SORT_PATTERN = f"^{_SORT_ITEM}(,{_SORT_ITEM})*$"


class ImageListQuery(Schema):
    limit: int = Field(20, ge=1, le=1000, description="Images per page")
    marker: UUID | None = Field(None, description="The last image ID of the previous page")
    name: FilterText | None = Field(None, description="Exact image name")
    os_distro: OsDistro | None = None
    status: ImageStatus | None = None
    visibility: Visibility | None = None
    sort: str = Field(
        "created_at:desc",
        max_length=200,
        pattern=SORT_PATTERN,
        description=(
            "Comma-separated key[:asc|desc] list; ties are broken by id. Keys: "
            + ", ".join(SORT_KEYS)
        ),
    )


class TagPageQuery(Schema):
    page: int = Field(0, ge=0, le=1000, description="Page number, from 0")
    size: int = Field(20, ge=1, le=1000, description="Tags per page")


# Responses -----------------------------------------------------------------------------


class TagOut(Schema):
    key: str
    value: str


class ImageOut(Schema):
    id: UUID
    name: str
    status: ImageStatus
    visibility: Visibility
    protected: bool
    min_disk: int
    min_ram: int
    container_format: Literal["bare"]
    disk_format: Literal["qcow2"]
    file: str
    os_hidden: bool
    owner: str = Field(pattern=r"^[0-9a-f]{32}$")
    owner_account_name: str
    created_at: datetime
    updated_at: datetime
    checksum: str | None = Field(description="md5 of the image file, once imported")
    os_hash_algo: Literal["sha512"] | None
    os_hash_value: str | None
    os_distro: OsDistro
    size: int | None
    virtual_size: int | None
    url: str | None = Field(description="Image file URL without query string or user info")
    scp_image_type: Literal["gpu_custom"]
    scp_original_image_type: Literal["upload", "server"]
    failure_reason: str | None = Field(description="Why the import failed (status error)")
    tags: list[TagOut]


class ImageListOut(Schema):
    images: list[ImageOut]
    next: str | None = Field(None, description="The next page, when there is one")


class PendingImagesOut(Schema):
    images: list[ImageOut]


class MemberOut(Schema):
    image_id: UUID
    member_id: str
    status: MemberStatus
    created_at: datetime
    updated_at: datetime


class MemberListOut(Schema):
    members: list[MemberOut]


class ServerImageOut(Schema):
    image_id: UUID


class TagContent(Schema):
    srn: str
    tags: list[TagOut]


class TagPageOut(Schema):
    content: TagContent
    count: int = Field(description="Tags on the resource")
    page: int
    size: int


class ErrorOut(Schema):
    code: str = Field(examples=["ValidationError"])
    title: str
    status: int
    detail: list[str]
    request_id: str = Field(pattern=r"^req-[0-9a-f-]{36}$")


class ErrorsOut(Schema):
    errors: list[ErrorOut]
