from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from jixiao.regulations import views

app_name = "regulations"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.regulation_list, name="list"),
    path("export/", views.regulation_export, name="export"),
    path("new/", views.regulation_create, name="create"),
    path("<int:pk>/", views.regulation_detail, name="detail"),
    path("<int:pk>/edit/", views.regulation_edit, name="edit"),
    path("<int:pk>/delete/", views.regulation_delete, name="delete"),
    path("<int:pk>/files/", views.file_upload, name="file_upload"),
    path("<int:pk>/files/<int:file_pk>/", views.file_download, name="file_download"),
    path("<int:pk>/files/<int:file_pk>/delete/", views.file_delete, name="file_delete"),
]
