from django.urls import path

from jixiao.projects import views, views_joint

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("autocomplete/", views.project_autocomplete, name="autocomplete"),
    path("bulk/", views.project_bulk, name="bulk"),
    path("export/", views.project_export, name="export"),
    path("import/", views.project_import, name="import"),
    path("import/errors.xlsx", views.project_import_errors, name="import_errors"),
    path("import/template.xlsx", views.project_import_template, name="import_template"),
    path("joint-review/", views_joint.joint_list, name="joint_list"),
    path("joint-review/<int:pk>/", views_joint.joint_review_page, name="joint_review"),
    path("joint-review/settings/", views_joint.joint_settings, name="joint_settings"),
    path("joint-review/settings/save/", views_joint.joint_rule_save, name="joint_rule_save"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_edit, name="edit"),
    path("<int:pk>/transition/", views.project_transition, name="transition"),
]
