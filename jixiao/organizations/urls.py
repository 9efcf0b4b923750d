from django.urls import path

from jixiao.organizations import views

app_name = "organizations"

urlpatterns = [
    path("tree/", views.unit_tree, name="tree"),
    path("autocomplete/departments/", views.department_autocomplete, name="department_autocomplete"),
    path("autocomplete/sections/", views.section_autocomplete, name="section_autocomplete"),
    path("autocomplete/units/", views.unit_autocomplete, name="unit_autocomplete"),
    path("regions/", views.region_list, name="region_list"),
    path("regions/new/", views.region_create, name="region_create"),
    path("regions/<int:pk>/edit/", views.region_edit, name="region_edit"),
    path("sections/new/", views.section_create, name="section_create"),
    path("sections/<int:pk>/edit/", views.section_edit, name="section_edit"),
    path("departments/", views.department_list, name="department_list"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<int:pk>/", views.department_detail, name="department_detail"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/export/", views.unit_export, name="unit_export"),
    path("units/import/", views.unit_import, name="unit_import"),
    path("units/import/errors.xlsx", views.unit_import_errors, name="unit_import_errors"),
    path("units/import/template.xlsx", views.unit_import_template, name="unit_import_template"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("years/", views.year_list, name="year_list"),
    path("years/save/", views.year_save, name="year_save"),
]
