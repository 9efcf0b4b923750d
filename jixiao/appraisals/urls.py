from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from jixiao.appraisals import views, views_templates

app_name = "appraisals"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.task_list, name="list"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/action/", views.task_action, name="task_action"),
    path("tasks/<int:pk>/deadlines/", views.task_deadlines, name="task_deadlines"),
    path("tasks/<int:pk>/export/", views.task_export, name="task_export"),
    path("<int:pk>/", views.appraisal_detail, name="detail"),
    path("<int:pk>/self/", views.self_save, name="self_save"),
    path("<int:pk>/eval/", views.eval_save, name="eval_save"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/outcome/", views.set_outcome, name="outcome"),
    path("<int:pk>/interview/", views.issue_interview, name="interview"),
    path("<int:pk>/export/", views.sheet_export, name="sheet_export"),
    path("<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence_download"),
    path("<int:pk>/evidence/<int:evidence_pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("templates/", views_templates.template_list, name="templates"),
    path("templates/import/", views_templates.template_import, name="template_import"),
    path("templates/import/errors/", views_templates.import_errors, name="import_errors"),
    path("templates/import/sample/", views_templates.import_sample, name="import_sample"),
    path("templates/<int:pk>/", views_templates.template_detail, name="template"),
    path("templates/<int:pk>/copy/", views_templates.template_copy, name="template_copy"),
    path("templates/<int:pk>/export/", views_templates.template_export, name="template_export"),
    path("templates/<int:pk>/nodes/", views_templates.node_save, name="node_add"),
    path("templates/<int:pk>/nodes/<int:node_pk>/", views_templates.node_save, name="node_edit"),
    path("templates/<int:pk>/nodes/<int:node_pk>/delete/", views_templates.node_delete, name="node_delete"),
    path("settings/", views_templates.settings_page, name="settings"),
]
