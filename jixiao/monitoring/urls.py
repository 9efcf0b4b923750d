from django.urls import path

from jixiao.monitoring import views, views_evidence

app_name = "monitoring"

urlpatterns = [
    path("", views.task_list, name="task_list"),
    path("new/", views.task_create, name="task_create"),
    path("<int:pk>/", views.task_detail, name="task_detail"),
    path("<int:pk>/issue/", views.task_issue, name="task_issue"),
    path("<int:pk>/close/", views.task_close, name="task_close"),
    path("<int:pk>/delete/", views.task_delete, name="task_delete"),
    path("<int:pk>/export/", views.task_export, name="task_export"),
    path("records/", views.record_list, name="record_list"),
    path("records/bulk/", views.record_bulk, name="record_bulk"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/fill/", views.record_fill, name="record_fill"),
    path("records/<int:pk>/transition/", views.record_transition, name="record_transition"),
    path("records/<int:pk>/export/", views.record_export, name="record_export"),
    path("records/<int:pk>/import/", views.record_import, name="record_import"),
    path("records/<int:pk>/evidence/", views_evidence.evidence_add, name="record_evidence_add"),
    path(
        "records/<int:pk>/evidence/<int:evidence_pk>/",
        views_evidence.evidence_download,
        name="record_evidence_download",
    ),
    path(
        "records/<int:pk>/evidence/<int:evidence_pk>/delete/",
        views_evidence.evidence_delete,
        name="record_evidence_delete",
    ),
]
