from django.urls import path

from jixiao.targets import views_rules

urlpatterns = [
    path("rules/", views_rules.rule_list, name="rules"),
    path("rules/<str:code>/", views_rules.rule_save, name="rule_save"),
]
