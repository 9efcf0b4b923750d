"""Jixiao's URLs plus `/bench/bare/`: a bare Django page rendering 20 rows of the project table (the baseline)."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

from jixiao.projects.models import Project

BARE = engines["django"].from_string(
    "<!doctype html><html><head><meta charset='utf-8'><title>bare</title></head><body><table>"
    "{% for code, name, amount in rows %}<tr><td>{{ code }}</td><td>{{ name }}</td><td>{{ amount }}</td></tr>"
    "{% endfor %}</table></body></html>"
)


def bare(request: HttpRequest) -> HttpResponse:
    rows = Project.objects.order_by("-fiscal_year", "code").values_list("code", "name", "total_amount_yuan")[:20]
    return HttpResponse(BARE.render({"rows": list(rows)}))


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/hello/", hello),
    path("", include("config.urls")),
]
