from django.urls import URLPattern, URLResolver, path

from jixiao.disclosure import views

app_name = "disclosure"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.disclosure_list, name="list"),
    path("review/", views.review_queue, name="review"),
    path("statistics/", views.statistics, name="statistics"),
    path("generate/", views.disclosure_generate, name="generate"),
    path("settings/", views.settings_page, name="settings"),
    path("bulk/", views.disclosure_bulk, name="bulk"),
    path("<int:pk>/", views.disclosure_detail, name="detail"),
    path("<int:pk>/transition/", views.disclosure_transition, name="transition"),
    path("<int:pk>/file/", views.snapshot_download, name="file"),
]
