from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def image_list(request: HttpRequest) -> HttpResponse:
    return render(request, "images/image_list.html", {})
