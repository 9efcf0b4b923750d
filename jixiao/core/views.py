from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jixiao.core import todos


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"todos": todos.for_user(request.user)})
