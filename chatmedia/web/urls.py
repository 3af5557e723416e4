from django.urls import path

from chatmedia.web import views

urlpatterns = [
    path("", views.app_shell, name="app"),
]
