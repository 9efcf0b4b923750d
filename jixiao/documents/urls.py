from django.urls import URLPattern, URLResolver, path

from jixiao.documents import views

app_name = "documents"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.document_list, name="list"),
    path("export/", views.document_export, name="export"),
    path("new/", views.document_create, name="create"),
    path("inbox/", views.inbox, name="inbox"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<str:doc_type>/", views.template_edit, name="template_edit"),
    path("templates/<str:doc_type>/reset/", views.template_reset, name="template_reset"),
    path("series/", views.series_list, name="series"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/edit/", views.document_edit, name="edit"),
    path("<int:pk>/discard/", views.document_discard, name="discard"),
    path("<int:pk>/transition/", views.document_transition, name="transition"),
    path("<int:pk>/feedback/", views.document_feedback, name="feedback"),
    path("<int:pk>/feedback/<int:recipient_pk>/", views.feedback_download, name="feedback_download"),
    path("<int:pk>/docx/", views.document_docx, name="docx"),
    path("<int:pk>/print/", views.document_print, name="print"),
]
