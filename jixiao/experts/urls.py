from django.urls import path

from jixiao.experts import views, views_settings

app_name = "experts"

urlpatterns = [
    path("", views.expert_list, name="list"),
    path("new/", views.expert_create, name="create"),
    path("export/", views.expert_export, name="export"),
    path("import/", views.expert_import, name="import"),
    path("import/errors.xlsx", views.expert_import_errors, name="import_errors"),
    path("import/template.xlsx", views.expert_import_template, name="import_template"),
    path("<int:pk>/", views.expert_detail, name="detail"),
    path("<int:pk>/edit/", views.expert_edit, name="edit"),
    path("<int:pk>/contact/", views.expert_contact, name="contact"),
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/new/", views.agency_create, name="agency_create"),
    path("agencies/<int:pk>/edit/", views.agency_edit, name="agency_edit"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("agencies/<int:pk>/review/", views.review_create, name="review_create"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/settings/", views_settings.quality_settings, name="quality_settings"),
    path("engagements/", views.engagement_list, name="engagement_list"),
    path("engagements/new/", views.engagement_create, name="engagement_create"),
    path("engagements/<int:pk>/", views.engagement_detail, name="engagement_detail"),
    path("engagements/<int:pk>/edit/", views.engagement_edit, name="engagement_edit"),
    path("engagements/<int:pk>/deliver/", views.engagement_deliver, name="engagement_deliver"),
    path("engagements/<int:pk>/status/", views.engagement_status, name="engagement_status"),
    path("engagements/<int:pk>/files/<int:item_pk>/", views.deliverable_download, name="deliverable_download"),
    path("draws/", views.draw_list, name="draw_list"),
    path("draws/new/", views.draw_create, name="draw_create"),
    path("draws/<int:pk>/", views.draw_detail, name="draw_detail"),
]
