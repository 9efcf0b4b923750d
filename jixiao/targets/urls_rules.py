from django.urls import path

from jixiao.targets import views_rules

urlpatterns = [
    path("rules/", views_rules.rule_list, name="rules"),
    path("review-settings/", views_rules.review_settings, name="review_settings"),
    path("rules/<str:code>/", views_rules.rule_save, name="rule_save"),
]
