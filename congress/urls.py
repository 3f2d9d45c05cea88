from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views
from accounts.forms import PortalAdminLoginForm, PortalLoginForm
from congresses import views as congress_views
from evaluation import urls as evaluation_urls
from suggestions import urls as suggestion_urls
from suggestions import views as suggestion_views

from . import views

# The admin's login counts failures and locks out like the portal's.
admin.site.login_form = PortalAdminLoginForm
admin.site.site_header = "代表建议办理平台 管理后台"
admin.site.site_title = "代表建议办理平台"
admin.site.index_title = "基础数据与账户管理"

urlpatterns = [
    path("", suggestion_views.home, name="home"),
    path("congress/switch/", congress_views.switch, name="congress_switch"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=PortalLoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/sms/", account_views.sms_settings, name="sms_settings"),
    path("suggestions/", include("suggestions.urls")),
    path("inbox/evaluation/", include((evaluation_urls.unit_patterns, "unit_evaluation"))),
    path("inbox/ledger/", include("commitments.urls")),
    path("plans/", include("planning.urls")),
    path("inbox/", include((suggestion_urls.inbox_patterns, "inbox"))),
    path("evaluation/", include("evaluation.urls")),
    path("files/", include((suggestion_urls.file_patterns, "files"))),
    path("my/", include((suggestion_urls.my_patterns, "my"))),
    path("public/", include((suggestion_urls.public_patterns, "public"))),
    path("replies/", include((suggestion_urls.reply_patterns, "replies"))),
    path("imports/", include("imports.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
    path("notifications/", include("notifications.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("supervision/", include("supervision.urls")),
]

handler400 = "congress.errors.bad_request"
handler403 = "congress.errors.permission_denied"
handler404 = "congress.errors.page_not_found"
handler500 = "congress.errors.server_error"
