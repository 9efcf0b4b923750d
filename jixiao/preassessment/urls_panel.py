from django.urls import path

from jixiao.preassessment import views_panel

urlpatterns = [
    path("templates/", views_panel.scoring_templates, name="scoring_templates"),
    path("templates/<int:pk>/", views_panel.scoring_template, name="scoring_template"),
    path("<int:pk>/panel/", views_panel.panel, name="panel"),
    path("<int:pk>/panel/draw/", views_panel.panel_draw, name="panel_draw"),
    path("<int:pk>/panel/agency/", views_panel.panel_agency, name="panel_agency"),
    path("<int:pk>/panel/confirm/", views_panel.panel_confirm, name="panel_confirm"),
    path("<int:pk>/agency-review/", views_panel.agency_review, name="agency_review"),
    path("reviews/", views_panel.my_reviews, name="my_reviews"),
    path("reviews/<int:member_pk>/", views_panel.score_sheet, name="score_sheet"),
]
