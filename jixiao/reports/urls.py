from django.urls import URLPattern, URLResolver, path

from jixiao.reports import views

app_name = "reports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("annual/", views.annual_list, name="annual_list"),
    path("annual/generate/", views.annual_generate, name="annual_generate"),
    path("annual/<int:pk>/", views.annual_detail, name="annual_detail"),
    path("annual/<int:pk>/finalize/", views.annual_finalize, name="annual_finalize"),
    path("annual/<int:pk>/export/", views.annual_export, name="annual_export"),
]
