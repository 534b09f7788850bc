from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from console import views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/switch/", views.switch_account, name="switch_account"),
    path("gpu-server/images/", include("images.urls")),
    path("gpu-server/image-shares/", include("sharing.urls")),
    path("gpu-server/activity-history/", include("console.activity_urls")),
    path("gpu-server/", include("servers.urls")),
    path("admin/", admin.site.urls),
]
