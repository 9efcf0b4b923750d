from django.urls import path

from jixiao.core import jobs, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("stage/<slug:slug>/", views.stage, name="stage"),
    *jobs.urlpatterns,
]
