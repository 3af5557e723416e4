from django.urls import path

from chatmedia.media.uploads import views as api

urlpatterns = [
    path("uploads/", api.UploadStart.as_view(), name="upload-start"),
    path("uploads/policy/", api.UploadPolicyView.as_view(), name="upload-policy"),
    path("uploads/<uuid:pk>/parts/", api.UploadParts.as_view(), name="upload-parts"),
    path("uploads/<uuid:pk>/complete/", api.UploadComplete.as_view(), name="upload-complete"),
    path("uploads/<uuid:pk>/cancel/", api.UploadCancel.as_view(), name="upload-cancel"),
    path("usage/", api.UsageView.as_view(), name="usage"),
]
