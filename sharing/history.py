"""What sharing writes into an image's work history, and why a share was refused.

The refusals are phrases too: the same words are the share form's error and, kept as data,
the reason in the refused request's history row.
"""

from django.utils.translation import gettext_lazy as _

from console.phrases import phrase
from sharing.models import Share

STATUS_LABELS = {"labels": {"status": Share.Status}}

REQUESTED = phrase("share.requested", _("Shared image {name} with account {account} (Pending)"))
REFUSED = phrase("share.refused", _("Refused to share with account {account}: {reason}"))
# A malformed account ID is not repeated: it can hold anything, NUL included.
REFUSED_MALFORMED = phrase("share.refused_malformed", _("Refused to share: {reason}"))
ACCEPTED = phrase("share.accepted", _("Account {account} accepted the share of image {name}"))
REJECTED = phrase("share.rejected", _("Account {account} rejected the share of image {name}"))
REMOVED = phrase(
    "share.removed", _("Account {account} removed image {name} from its list (Rejected)")
)
STOPPED = phrase(
    "share.stopped",
    _("Stopped sharing image {name} with account {account} (was {status})"),
    **STATUS_LABELS,
)
STOPPED_PRIVATE = phrase(
    "share.stopped_private",
    _("Stopped sharing with account {account} ({status}) because Visibility changed to Private"),
    **STATUS_LABELS,
)

MALFORMED_ACCOUNT_ID = phrase(
    "share.refusal.malformed_account_id",
    _("Enter a valid account ID: 1 to 64 characters of English letters, digits and hyphens (-)."),
)
PRIVATE = phrase(
    "share.refusal.private",
    _(
        "Image {name} is Private. Change its Visibility to Shared before sharing it with "
        "another account."
    ),
)
SERVER_ORIGIN = phrase(
    "share.refusal.server_origin",
    _(
        "Image {name} was created from a GPU server. Only uploaded images (imported from an "
        "image file) can be shared with another account."
    ),
)
IMPORTING = phrase(
    "share.refusal.importing",
    _(
        "Image {name} is not Active yet. Only an Active image can be shared: wait until its "
        "import completes."
    ),
)
IMPORT_FAILED = phrase(
    "share.refusal.import_failed",
    _(
        "Image {name} could not be imported. Only an Active image can be shared: retry its "
        "import first."
    ),
)
OWN_ACCOUNT = phrase(
    "share.refusal.own_account",
    _(
        "This is the ID of your own account, which already has the image. Enter the ID of "
        "another account."
    ),
)
ALREADY_SHARED = phrase(
    "share.refusal.already_shared",
    _(
        "Image {name} already has a share for account {account_id}. Delete that share in "
        "Sharing status first to share it again."
    ),
)

# Why an image cannot be shared at all, by the code of the image rule it breaks.
BLOCKERS = {
    "server_origin": SERVER_ORIGIN,
    "private": PRIVATE,
    "importing": IMPORTING,
    "import_failed": IMPORT_FAILED,
}
