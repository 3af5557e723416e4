from django.urls import path

from chatmedia.privacy.views import AuditLogList

urlpatterns = [
    path("audit-log/", AuditLogList.as_view(), name="audit-log"),
]
