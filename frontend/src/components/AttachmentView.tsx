// One attachment by category and state: processing (spinner in a box of the final size; a document
// draws its own card), failed (reason + retry), uploading (progress), or the ready media component.
import { useState } from 'react'
import { api, ApiFailure } from '../api/client'
import type { Attachment, Message } from '../api/types'
import { useChat } from '../state/ChatContext'
import { formatDateTime } from '../lib/format'
import { errorText, t } from '../strings'
import { AudioPlayer } from './AudioPlayer'
import { Transcript } from './Transcript'
import { DocumentCard } from './DocumentCard'
import { ImageBubble } from './ImageBubble'
import { frameSize } from './mediaSize'
import { StickerBubble } from './StickerBubble'
import { UploadingMedia } from './UploadingMedia'
import { VideoBubble } from './VideoBubble'

interface Props {
  attachment: Attachment
  message: Message
  onOpenImage: () => void
}

export function AttachmentView({ attachment, message, onOpenImage }: Props) {
  const { retryAttachment, state } = useChat()
  const converting = state.conversions[attachment.id]
  const [retryError, setRetryError] = useState('')
  const testAttrs = { 'data-testid': 'attachment', 'data-attachment': attachment.id, 'data-status': attachment.status }
  if (attachment.metadata.removed) {
    const { by, at, reason } = attachment.metadata.removed
    return (
      <div {...testAttrs} className="rounded-md bg-slate-100 px-3 py-2 text-sm italic text-slate-500">
        <span data-testid="media-removed">
          {reason === 'retention' ? t.message.mediaExpired(formatDateTime(at)) : t.message.mediaRemoved(by, formatDateTime(at))}
        </span>
      </div>
    )
  }
  if (attachment.status === 'uploading') {
    return (
      <div {...testAttrs}>
        <UploadingMedia attachment={attachment} />
      </div>
    )
  }
  if (attachment.status === 'failed') {
    const { width } = frameSize(attachment)
    return (
      <div {...testAttrs} role="alert" className="flex items-center gap-3 rounded-md bg-slate-100 p-3 text-sm text-slate-700" style={{ width: Math.min(width, 330) }}>
        <span aria-hidden className="text-xl">⚠️</span>
        <span className="min-w-0 flex-1">
          <span className="block">{errorText(attachment.error, t.attachment.failed)}</span>
          {retryError && <span className="block text-xs text-red-700">{retryError}</span>}
          {attachment.file_name && <span className="block truncate text-xs text-slate-500">{attachment.file_name}</span>}
        </span>
        {message.direction === 'out' && attachment.error?.code === 'video_too_long' && (
          <button
            type="button"
            data-testid="send-as-document"
            onClick={() => {
              setRetryError('')
              api.sendAsDocument(attachment.id).catch((failure) =>
                setRetryError(failure instanceof ApiFailure ? errorText(failure, t.attachment.retryFailed) : t.attachment.retryFailed),
              )
            }}
            className="flex-none rounded bg-slate-700 px-2 py-1 text-xs font-medium text-white"
          >
            {t.attachment.sendAsDocument}
          </button>
        )}
        {message.direction === 'in' && attachment.error?.retryable && (
          <button
            type="button"
            onClick={() => {
              setRetryError('')
              retryAttachment(message.conversation, message.id, attachment.id).catch((failure) =>
                setRetryError(failure instanceof ApiFailure ? errorText(failure, t.attachment.retryFailed) : t.attachment.retryFailed),
              )
            }}
            className="flex-none rounded bg-slate-700 px-2 py-1 text-xs font-medium text-white"
          >
            {t.attachment.retry}
          </button>
        )}
      </div>
    )
  }
  if (attachment.status !== 'ready' && attachment.category === 'document') {
    return (
      <div {...testAttrs} aria-busy="true" aria-label={t.attachment.processing}>
        <DocumentCard attachment={attachment} pending />
      </div>
    )
  }
  if (attachment.status !== 'ready') {
    const { width, height } = frameSize(attachment)
    const audioLike = attachment.category === 'audio' || attachment.category === 'voice'
    const placeholder = audioLike ? undefined : attachment.metadata.placeholder
    return (
      <div
        {...testAttrs}
        aria-busy="true"
        aria-label={t.attachment.processing}
        className="relative flex items-center justify-center overflow-hidden rounded-md bg-slate-200/70"
        style={
          audioLike
            ? { width, minHeight: 56, maxWidth: '100%' }
            : { width, aspectRatio: `${width} / ${height}`, maxWidth: '100%' }
        }
      >
        {placeholder && (
          <img src={placeholder} alt="" aria-hidden className="absolute inset-0 h-full w-full scale-110 object-cover blur-md" />
        )}
        <span className="relative h-8 w-8 animate-spin rounded-full border-4 border-white border-t-wa-green" />
        {converting !== undefined && (
          <span className="absolute bottom-2 left-2 right-2 rounded bg-black/60 px-2 py-1 text-center text-xs text-white" data-testid="converting">
            {t.attachment.converting(Math.round(converting * 100))}
          </span>
        )}
        {audioLike && <span className="ml-3 text-sm text-slate-600">{attachment.file_name || t.attachment.processing}</span>}
      </div>
    )
  }
  const body = (() => {
    switch (attachment.category) {
      case 'image':
        return <ImageBubble attachment={attachment} onOpen={onOpenImage} />
      case 'sticker':
        return <StickerBubble attachment={attachment} />
      case 'audio':
      case 'voice':
        return (
          <>
            <AudioPlayer attachment={attachment} />
            <Transcript attachment={attachment} />
          </>
        )
      case 'video':
        return <VideoBubble attachment={attachment} />
      default:
        return <DocumentCard attachment={attachment} />
    }
  })()
  return <div {...testAttrs}>{body}</div>
}
