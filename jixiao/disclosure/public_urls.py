"""The public site, mounted at /public/ (no login). Region codes are the 9-digit 财政区划编码."""

from django.urls import URLPattern, URLResolver, path

from jixiao.disclosure import public_views as views

app_name = "public"

REGION = "<str:region_code>"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("data/schema/", views.schema, name="schema"),
    path(f"data/{REGION}/<int:year>/<slug:dataset>.<str:fmt>", views.open_data, name="data"),
    path(f"{REGION}/<int:year>/", views.year_home, name="year"),
    path(f"{REGION}/<int:year>/targets/", views.targets, name="targets"),
    path(f"{REGION}/<int:year>/self-evaluations/", views.self_evaluations, name="self_evaluations"),
    path(f"{REGION}/<int:year>/reports/", views.reports, name="reports"),
    path(f"{REGION}/<int:year>/items/<uuid:public_id>/", views.item_detail, name="item"),
    path(f"{REGION}/<int:year>/items/<uuid:public_id>/file/", views.item_file, name="item_file"),
]
