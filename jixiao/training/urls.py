from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from jixiao.training import views

app_name = "training"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.session_list, name="list"),
    path("export/", views.session_export, name="export"),
    path("new/", views.session_create, name="create"),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/edit/", views.session_edit, name="edit"),
    path("<int:pk>/delete/", views.session_delete, name="delete"),
    path("<int:pk>/materials/", views.material_upload, name="material_upload"),
    path("<int:pk>/materials/<int:material_pk>/", views.material_download, name="material_download"),
    path("<int:pk>/materials/<int:material_pk>/delete/", views.material_delete, name="material_delete"),
]
