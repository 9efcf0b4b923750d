from django.urls import path

from jixiao.targets import views

urlpatterns = [
    path("", views.target_list, name="list"),
    path("start/", views.target_start, name="start"),
    path("bulk/", views.target_bulk, name="bulk"),
    path("approve/", views.target_approve_batch, name="approve_batch"),
    path("statistics/", views.target_statistics, name="statistics"),
    path("<int:pk>/", views.target_detail, name="detail"),
    path("<int:pk>/edit/", views.target_edit, name="edit"),
    path("<int:pk>/transition/", views.target_transition, name="transition"),
    path("<int:pk>/comment/", views.target_comment, name="comment"),
]
