"""The console's URLs plus one that fails, for the 500 page test."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from console.urls import urlpatterns as console_urlpatterns


@login_not_required
def fail(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [*console_urlpatterns, path("fail/", fail)]
