from django.urls import path

from jixiao.organizations import views

app_name = "organizations"

urlpatterns = [
    path("tree/", views.unit_tree, name="tree"),
    path("regions/", views.region_list, name="region_list"),
    path("departments/", views.department_list, name="department_list"),
    path("units/", views.unit_list, name="unit_list"),
    path("years/", views.year_list, name="year_list"),
]
