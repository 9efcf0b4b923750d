from django.urls import path

from jixiao.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.library_list, name="library_list"),
    path("search.json", views.search_json, name="search"),
    path("new/", views.item_create, name="item_create"),
    path("propose/", views.item_propose, name="item_propose"),
    path("proposals/", views.proposals, name="proposals"),
    path("frameworks/", views.frameworks, name="frameworks"),
    path("export/", views.library_export, name="export"),
    path("import/", views.library_import, name="import"),
    path("import/errors.xlsx", views.import_errors, name="import_errors"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("<int:pk>/", views.item_detail, name="item_detail"),
    path("<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("<int:pk>/transition/", views.item_transition, name="item_transition"),
    path("<int:pk>/history/", views.history_add, name="history_add"),
]
