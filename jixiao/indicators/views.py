from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jixiao.core.views_helpers import capability_required


@capability_required("indicator.view")
def library_list(request: HttpRequest) -> HttpResponse:
    return render(request, "core/stage.html", {"title": "指标库", "description": "建设中"})
