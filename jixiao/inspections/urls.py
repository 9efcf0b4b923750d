from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from jixiao.inspections import views

app_name = "inspections"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.inspection_list, name="list"),
    path("export/", views.inspection_export, name="export"),
    path("coverage/", views.inspection_coverage, name="coverage"),
    path("coverage/export/", views.inspection_coverage_export, name="coverage_export"),
    path("new/", views.inspection_create, name="create"),
    path("<int:pk>/", views.inspection_detail, name="detail"),
    path("<int:pk>/edit/", views.inspection_edit, name="edit"),
    path("<int:pk>/delete/", views.inspection_delete, name="delete"),
]
