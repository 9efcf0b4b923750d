from django.urls import URLPattern, URLResolver, path

from jixiao.bulletins import views

app_name = "bulletins"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.bulletin_list, name="list"),
    path("generate/", views.bulletin_generate, name="generate"),
    path("<int:pk>/", views.bulletin_detail, name="detail"),
    path("<int:pk>/edit/", views.bulletin_edit, name="edit"),
    path("<int:pk>/transition/", views.bulletin_transition, name="transition"),
    path("<int:pk>/docx/", views.bulletin_docx, name="docx"),
]
