from django.urls import include, path

urlpatterns = [
    path("", include("jixiao.core.urls")),
    path("accounts/", include("jixiao.accounts.urls")),
    path("org/", include("jixiao.organizations.urls")),
    path("projects/", include("jixiao.projects.urls")),
    path("indicators/", include("jixiao.indicators.urls")),
    path("targets/", include("jixiao.targets.urls")),
    path("preassessment/", include("jixiao.preassessment.urls")),
    path("experts/", include("jixiao.experts.urls")),
    path("execution/", include("jixiao.execution.urls")),
    path("monitoring/", include("jixiao.monitoring.urls")),
    path("alerts/", include("jixiao.alerts.urls")),
    path("evaluation/", include("jixiao.evaluation.urls")),
    path("keyeval/", include("jixiao.keyeval.urls")),
    path("documents/", include("jixiao.documents.urls")),
    path("training/", include("jixiao.training.urls")),
    path("regulations/", include("jixiao.regulations.urls")),
    path("inspections/", include("jixiao.inspections.urls")),
    path("rectification/", include("jixiao.rectification.urls")),
    path("results/", include("jixiao.results.urls")),
    path("disclosure/", include("jixiao.disclosure.urls")),
    path("public/", include("jixiao.disclosure.public_urls")),
    path("appraisals/", include("jixiao.appraisals.urls")),
    path("bulletins/", include("jixiao.bulletins.urls")),
    path("reports/", include("jixiao.reports.urls")),
    path("api/v1/", include(("config.api_urls", "api"))),
]

handler400 = "jixiao.core.errorviews.bad_request"
handler403 = "jixiao.core.errorviews.permission_denied"
handler404 = "jixiao.core.errorviews.page_not_found"
handler500 = "jixiao.core.errorviews.server_error"
