from django.urls import include, path

from jixiao.evaluation import urls_reeval, views, views_evidence, views_selfeval

app_name = "evaluation"

urlpatterns = [
    path("selfeval-check/", views.selfeval_check, name="selfeval_check"),
    path("selfeval-check/sample.xlsx", views.selfeval_sample, name="selfeval_sample"),
    path("self/", views_selfeval.selfeval_list, name="selfeval_list"),
    path("self/start/", views_selfeval.task_start, name="selfeval_start"),
    path("self/bulk/", views_selfeval.selfeval_bulk, name="selfeval_bulk"),
    path("self/tasks/<int:pk>/supplement/", views_selfeval.task_supplement, name="selfeval_supplement"),
    path("self/statistics/", views_selfeval.selfeval_statistics, name="selfeval_statistics"),
    path("self/<int:pk>/", views_selfeval.selfeval_detail, name="selfeval_detail"),
    path("self/<int:pk>/fill/", views_selfeval.selfeval_fill, name="selfeval_fill"),
    path("self/<int:pk>/transition/", views_selfeval.selfeval_transition, name="selfeval_transition"),
    path("self/<int:pk>/override/", views_selfeval.selfeval_override, name="selfeval_override"),
    path("self/<int:pk>/regenerate/", views_selfeval.selfeval_regenerate, name="selfeval_regenerate"),
    path("self/<int:pk>/import/", views_selfeval.selfeval_import, name="selfeval_import"),
    path("self/<int:pk>/export/", views_selfeval.selfeval_export, name="selfeval_export"),
    path("self/<int:pk>/evidence/", views_evidence.evidence_add, name="selfeval_evidence_add"),
    path(
        "self/<int:pk>/evidence/<int:evidence_pk>/",
        views_evidence.evidence_download,
        name="selfeval_evidence_download",
    ),
    path(
        "self/<int:pk>/evidence/<int:evidence_pk>/delete/",
        views_evidence.evidence_delete,
        name="selfeval_evidence_delete",
    ),
    path("", include(urls_reeval)),
]
