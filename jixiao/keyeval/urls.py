from django.urls import path

from jixiao.keyeval import views

app_name = "keyeval"

urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("new/", views.evaluation_create, name="create"),
    path("statistics/", views.statistics, name="statistics"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("scoring/", views.my_scoring, name="my_scoring"),
    path("<int:pk>/", views.evaluation_detail, name="detail"),
    path("<int:pk>/edit/", views.evaluation_edit, name="edit"),
    path("<int:pk>/transition/", views.evaluation_transition, name="transition"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("<int:pk>/documents/<int:doc_pk>/", views.document_download, name="document_download"),
    path("<int:pk>/scorers/", views.scorer_add, name="scorer_add"),
    path("<int:pk>/score/", views.score_sheet, name="score_sheet"),
    path("<int:pk>/report.docx", views.report_docx, name="report_docx"),
    path("<int:pk>/regulations/", views.regulations_link, name="regulations_link"),
]
