from django.urls import path

from jixiao.targets import views_cases

urlpatterns = [
    path("cases/", views_cases.case_list, name="case_list"),
    path("cases/<int:pk>/", views_cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views_cases.case_edit, name="case_edit"),
    path("cases/<int:pk>/delete/", views_cases.case_delete, name="case_delete"),
    path("<int:target_pk>/make-case/", views_cases.case_create, name="case_create"),
]
