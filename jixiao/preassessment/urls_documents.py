"""Documents and export of 事前绩效评估; included into the `preassessment` namespace by urls.py."""

from django.urls import path

from jixiao.preassessment import views_documents

urlpatterns = [
    path("export/", views_documents.assessments_export, name="export"),
    path("<int:pk>/documents/report/", views_documents.report_docx, name="report_docx"),
    path("<int:pk>/documents/opinion/", views_documents.opinion_docx, name="opinion_docx"),
]
