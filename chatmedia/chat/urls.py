from django.urls import path

from chatmedia.chat import quick_reply_views as quick
from chatmedia.chat import views
from chatmedia.chat import workspace_views as workspace

urlpatterns = [
    path("conversations/", views.ConversationList.as_view(), name="conversation-list"),
    path("conversations/<uuid:pk>/", views.ConversationDetail.as_view(), name="conversation-detail"),
    path("conversations/<uuid:pk>/messages/", views.MessageList.as_view(), name="message-list"),
    path("conversations/<uuid:pk>/read/", views.ConversationRead.as_view(), name="conversation-read"),
    path("conversations/<uuid:pk>/gallery/", workspace.GalleryList.as_view(), name="conversation-gallery"),
    path("conversations/<uuid:pk>/media.zip", workspace.GalleryZip.as_view(), name="conversation-zip"),
    path("messages/forward/", workspace.MessageForward.as_view(), name="message-forward"),
    path("search/", workspace.Search.as_view(), name="search"),
    path("quick-replies/", quick.QuickReplyList.as_view(), name="quick-reply-list"),
    path("quick-replies/<uuid:pk>/", quick.QuickReplyDetail.as_view(), name="quick-reply-detail"),
    path("quick-replies/<uuid:pk>/files/", quick.QuickReplyFiles.as_view(), name="quick-reply-files"),
    path(
        "quick-replies/<uuid:pk>/files/<uuid:file_pk>/",
        quick.QuickReplyFileDetail.as_view(),
        name="quick-reply-file",
    ),
    path("quick-replies/<uuid:pk>/send/", quick.QuickReplySend.as_view(), name="quick-reply-send"),
    path("messages/<uuid:pk>/", views.MessageDetail.as_view(), name="message-detail"),
    path("messages/<uuid:pk>/retry/", views.MessageRetry.as_view(), name="message-retry"),
    path("attachments/<uuid:pk>/retry/", views.AttachmentRetry.as_view(), name="attachment-retry"),
    path(
        "attachments/<uuid:pk>/send-as-document/",
        views.AttachmentSendAsDocument.as_view(),
        name="attachment-send-as-document",
    ),
    path(
        "attachments/<uuid:pk>/transcribe/",
        views.AttachmentTranscribe.as_view(),
        name="attachment-transcribe",
    ),
    path("messages/<uuid:pk>/reactions/", views.MessageReactions.as_view(), name="message-reactions"),
    path("messages/<uuid:pk>/view-once/", views.MessageViewOnceOpen.as_view(), name="message-view-once"),
    path("attachments/<uuid:pk>/", views.AttachmentDetail.as_view(), name="attachment-detail"),
    path("messages/<uuid:pk>/media/", views.MessageMedia.as_view(), name="message-media"),
    path("messages/<uuid:pk>/audit/", views.MessageAudit.as_view(), name="message-audit"),
    path("attachments/<uuid:pk>/audit/", views.AttachmentAudit.as_view(), name="attachment-audit"),
]
