from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from console import preferences, views
from console.signin import SignInForm

# The page scripts' words in the active language, a script served from the console's own
# address (the CSP allows scripts from 'self' only). Pages ask for it with the language in
# the query string, so a browser never keeps one language's copy for the other.
javascript_catalog = login_not_required(
    cache_control(max_age=3600, private=True)(JavaScriptCatalog.as_view())
)

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            authentication_form=SignInForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/switch/", views.switch_account, name="switch_account"),
    path("account/language/", preferences.set_language, name="set_language"),
    path("account/preferences/", preferences.preferences, name="preferences"),
    path("jsi18n/", javascript_catalog, name="javascript_catalog"),
    path("gpu-server/images/", include("images.urls")),
    path("gpu-server/image-shares/", include("sharing.urls")),
    path("gpu-server/activity-history/", include("console.activity_urls")),
    path("gpu-server/", include("servers.urls")),
    path("admin/", admin.site.urls),
    path("", include("api.urls")),
]
