from django.urls import URLPattern, URLResolver

app_name = "appraisals"

urlpatterns: list[URLPattern | URLResolver] = []
