from django.contrib.auth import views as auth_views
from django.urls import path

from jixiao.accounts import views, views_bulk

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", views.login_second_factor, name="login_second_factor"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("switch/", views.switch_membership, name="switch"),
    path("keepalive/", views.keepalive, name="keepalive"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("console/users/", views.user_list, name="user_list"),
    path("console/users/new/", views.user_create, name="user_create"),
    path("console/users/<int:pk>/toggle/", views.user_toggle, name="user_toggle"),
    path("console/users/<int:pk>/reset-password/", views.user_password_reset, name="user_password_reset"),
    path("console/users/import/", views_bulk.user_import, name="user_import"),
    path("console/users/import/errors.xlsx", views_bulk.user_import_errors, name="user_import_errors"),
    path("console/users/import/template.xlsx", views_bulk.user_import_template, name="user_import_template"),
    path("console/users/autocomplete/", views.user_autocomplete, name="user_autocomplete"),
    path("console/memberships/", views.membership_list, name="membership_list"),
    path("console/memberships/<int:pk>/revoke/", views.membership_revoke, name="membership_revoke"),
    path("console/memberships/import/", views_bulk.membership_import, name="membership_import"),
    path(
        "console/memberships/import/errors.xlsx", views_bulk.membership_import_errors, name="membership_import_errors"
    ),
    path(
        "console/memberships/import/template.xlsx",
        views_bulk.membership_import_template,
        name="membership_import_template",
    ),
    path("console/audit/", views.audit_list, name="audit_list"),
    path("console/security/", views.security_policy, name="security_policy"),
    path("console/security/locks/<int:pk>/unlock/", views.security_unlock, name="security_unlock"),
]
