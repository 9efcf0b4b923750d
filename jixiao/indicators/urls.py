from django.urls import path

from jixiao.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.library_list, name="library_list"),
]
