from django.urls import path

from jixiao.execution import views

app_name = "execution"

urlpatterns = [
    path("analysis/", views.analysis, name="analysis"),
    path("payments/", views.payment_list, name="payment_list"),
    path("payments/export/", views.payment_export, name="payment_export"),
    path("payments/import/", views.payment_import, name="import"),
    path("payments/import/template/", views.payment_import_template, name="import_template"),
]
