"""The API keys page (user menu): create a key (shown once), list and revoke keys."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from api.forms import ApiKeyForm
from api.keys import apikey_create, apikey_revoke
from api.models import ApiKey


def _page(request: HttpRequest, form: ApiKeyForm, *, created=None, status: int = 200):
    keys = ApiKey.objects.active().filter(user=request.user).select_related("account")
    context = {"form": form, "keys": keys, "created": created}
    return render(request, "api/apikey_list.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def apikey_list(request: HttpRequest) -> HttpResponse:
    initial = {"account": request.account.id}
    if request.method == "GET":
        return _page(request, ApiKeyForm(initial=initial, memberships=request.memberships))
    form = ApiKeyForm(request.POST, memberships=request.memberships)
    if not form.is_valid():
        return _page(request, form)
    created = apikey_create(
        user=request.user, account=form.membership.account, name=form.cleaned_data["name"]
    )
    # The key is shown in this answer only (never stored, never in a redirect).
    fresh = ApiKeyForm(initial=initial, memberships=request.memberships)
    return _page(request, fresh, created=created)


@require_POST
def apikey_revoke_view(request: HttpRequest, pk: str) -> HttpResponse:
    key = ApiKey.objects.active().filter(user=request.user, pk=pk).first()
    if key is None:
        raise Http404
    apikey_revoke(key=key, actor=request.user)
    messages.success(
        request,
        _("API key %(name)s (%(id)s) was revoked.") % {"name": key.name, "id": key.id},
    )
    return redirect("api_keys:list")
