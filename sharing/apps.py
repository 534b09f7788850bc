from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = _("Image sharing")

    def ready(self) -> None:
        # Sharing takes part in two image rules that need both apps: which images an
        # account may read, and what a switch to Private ends.
        import sharing.history  # noqa: F401  (the phrases sharing records)
        from images.models import register_read_grant
        from images.services import on_made_private
        from sharing.services import accepted_image_ids, shares_stop_for_private

        register_read_grant(accepted_image_ids)
        on_made_private(shares_stop_for_private)
