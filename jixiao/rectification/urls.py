from django.urls import URLPattern, URLResolver

app_name = "rectification"

urlpatterns: list[URLPattern | URLResolver] = []
