from django.urls import URLPattern, path

from jixiao.targets import views_panel

urlpatterns: list[URLPattern] = [
    path("panel/mine/", views_panel.panel_mine, name="panel_mine"),
    path("panel/<int:pk>/", views_panel.panel_own, name="panel_own"),
    path("panel/<int:pk>/submit/", views_panel.panel_submit, name="panel_submit"),
    path("panel/<int:pk>/conflict/", views_panel.panel_conflict, name="panel_conflict"),
    path("panel/<int:pk>/remove/", views_panel.panel_remove, name="panel_remove"),
    path("<int:pk>/panel/", views_panel.panel_manage, name="panel"),
    path("<int:pk>/panel/assign/", views_panel.panel_assign, name="panel_assign"),
    path("<int:pk>/panel/send/", views_panel.panel_send, name="panel_send"),
    path("<int:pk>/panel/close/", views_panel.panel_close, name="panel_close"),
]
