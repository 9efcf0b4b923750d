from django.urls import path

from jixiao.core import jobs, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    *jobs.urlpatterns,
]
