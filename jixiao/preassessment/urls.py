from django.urls import include, path

from jixiao.preassessment import views

app_name = "preassessment"

urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("new/", views.assessment_start, name="start"),
    path("statistics/", views.statistics, name="statistics"),
    path("rules/", views.rules, name="rules"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/edit/", views.assessment_edit, name="edit"),
    path("<int:pk>/transition/", views.assessment_transition, name="transition"),
    path("<int:pk>/conclude/", views.assessment_conclude, name="conclude"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/attachments/<int:attachment_pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("", include("jixiao.preassessment.urls_documents")),
    path("", include("jixiao.preassessment.urls_panel")),
]
