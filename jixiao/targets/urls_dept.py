from django.urls import URLPattern, path

from jixiao.targets import views_dept

urlpatterns: list[URLPattern] = [
    path("dept/start/", views_dept.dept_target_start, name="dept_start"),
    path("<int:pk>/dept-edit/", views_dept.dept_target_edit, name="dept_edit"),
]
