from django.urls import URLPattern, URLResolver, path

from jixiao.rectification import views

app_name = "rectification"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.rectification_list, name="list"),
    path("export/", views.rectification_export, name="export"),
    path("sweep/", views.rectification_sweep, name="sweep"),
    path("candidates/", views.candidate_list, name="candidates"),
    path("findings/new/", views.finding_create, name="finding_create"),
    path("statistics/", views.statistics, name="statistics"),
    path("settings/", views.settings_page, name="settings"),
    path("<int:pk>/", views.rectification_detail, name="detail"),
    path("<int:pk>/issue/", views.rectification_issue, name="issue"),
    path("<int:pk>/feedback/", views.rectification_feedback, name="feedback"),
    path("<int:pk>/close/", views.rectification_close, name="close"),
    path("<int:pk>/return/", views.rectification_return, name="return"),
    path("<int:pk>/discard/", views.rectification_discard, name="discard"),
    path("<int:pk>/files/<int:file_id>/", views.file_download, name="file"),
    path("<int:pk>/letters/<int:letter_id>/", views.letter_download, name="letter"),
]
