from django.urls import path

from jixiao.targets import views_exchange

# Included into the `targets` namespace by jixiao/targets/urls.py.
urlpatterns = [
    path("exchange/declarations.xlsx", views_exchange.export_declaration_list, name="export_declarations"),
    path("exchange/flat.xlsx", views_exchange.export_flat_list, name="export_flat"),
    path("exchange/import/", views_exchange.target_import, name="import"),
    path("exchange/import/errors.xlsx", views_exchange.target_import_errors, name="import_errors"),
    path("<int:pk>/declaration.xlsx", views_exchange.export_declaration_one, name="export_declaration"),
    path("<int:pk>/print/", views_exchange.target_print, name="print"),
    path("<int:pk>/declaration.pdf", views_exchange.target_pdf, name="pdf"),
]
