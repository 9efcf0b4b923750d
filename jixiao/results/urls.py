from django.urls import URLPattern, URLResolver, path

from jixiao.results import views

app_name = "results"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.application_list, name="list"),
    path("export/", views.application_export, name="export"),
    path("generate/", views.application_generate, name="generate"),
    path("accept/", views.application_batch_accept, name="batch_accept"),
    path("links/", views.four_links, name="links"),
    path("rules/", views.rules, name="rules"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/link/", views.application_link, name="link"),
]
