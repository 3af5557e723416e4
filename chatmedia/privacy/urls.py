from django.urls import path

from chatmedia.privacy import audit_views
from chatmedia.privacy import erasure_views as erasures

urlpatterns = [
    path("erasures/", erasures.ErasureList.as_view(), name="erasure-list"),
    path("erasures/<uuid:pk>/", erasures.ErasureDetail.as_view(), name="erasure-detail"),
    path("exports/", erasures.ExportLink.as_view(), name="export-list"),
    path("exports/download/", erasures.ExportDownload.as_view(), name="export-download"),
    path("audit-log/", audit_views.AuditLogList.as_view(), name="audit-log"),
]
