from django.urls import path

from jixiao.alerts import views, views_idle

app_name = "alerts"

urlpatterns = [
    path("", views.warning_list, name="list"),
    path("export/", views.warning_export, name="export"),
    path("bulletin/<int:task_pk>/", views.bulletin, name="bulletin"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/respond/", views.case_respond, name="case_respond"),
    path("cases/<int:pk>/decide/", views.case_decide, name="case_decide"),
    path("cases/<int:pk>/resume-payment/", views.payment_resume, name="payment_resume"),
    path("adjustments/", views.adjustment_list, name="adjustments"),
    path("adjustments/export/", views.adjustment_export, name="adjustment_export"),
    path("adjustments/new/", views.adjustment_new, name="adjustment_new"),
    path("adjustments/<int:pk>/delete/", views.adjustment_delete, name="adjustment_delete"),
    path("idle-funds/", views_idle.idle_fund_list, name="idle_funds"),
    path("idle-funds/export/", views_idle.idle_fund_export, name="idle_fund_export"),
    path("idle-funds/recover/", views_idle.idle_fund_recover, name="idle_fund_recover"),
    path("tiers/", views.tier_list, name="tiers"),
    path("tiers/select/", views.tier_select, name="tier_select"),
    path("tiers/rules/", views.tier_rule_save, name="tier_rule_save"),
    path("tiers/project/<int:project_pk>/", views.tier_edit, name="tier_edit"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/profile/", views.profile_save, name="profile_save"),
    path("rules/sweep/", views.sweep_now, name="sweep"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("calendar/<int:pk>/delete/", views.calendar_delete, name="calendar_delete"),
]
