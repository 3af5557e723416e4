// A picture, sticker or video the browser is never handed to draw: it has no safe rendition (over the
// pixel cap, or no decoder could read it), so its original could freeze the tab. A card says why,
// with what is known (dimensions, duration, size) and a download — never an <img> or <video> of it.
import type { Attachment } from '../api/types'
import { formatDuration, formatSize } from '../lib/format'
import { t } from '../strings'
import { downloadUrl } from '../lib/download'

function title(attachment: Attachment): string {
  if (attachment.category === 'video') return t.attachment.videoNoPreview
  if (attachment.category === 'sticker') return t.attachment.stickerNoPreview
  return attachment.metadata.preview_error_code === 'too_many_pixels' ? t.attachment.imageTooBig : t.attachment.imageNoPreview
}

export function NoPreviewCard({ attachment }: { attachment: Attachment }) {
  const { width, height, duration } = attachment.metadata
  const details = [
    width && height ? t.attachment.dimensions(width, height) : null,
    duration != null ? formatDuration(duration) : null,
    attachment.size ? formatSize(attachment.size) : null,
  ].filter(Boolean)
  return (
    <div className="w-[300px] max-w-full overflow-hidden rounded-md bg-black/5" data-testid="no-preview">
      <div className="flex items-center gap-3 p-2.5">
        <span aria-hidden className="text-2xl">
          {attachment.category === 'video' ? '🎥' : '🖼️'}
        </span>
        <span className="min-w-0 flex-1">
          <span className="block text-sm text-slate-900" data-testid="no-preview-title">
            {title(attachment)}
          </span>
          {attachment.file_name && <span className="block truncate text-xs text-slate-500">{attachment.file_name}</span>}
          <span className="block truncate text-xs text-slate-500" data-testid="no-preview-details">
            {details.join(' · ')}
          </span>
        </span>
      </div>
      {attachment.urls.original && (
        <a href={downloadUrl(attachment.urls.original)} download={attachment.file_name || true} className="block border-t border-black/10 py-2 text-center text-sm text-teal-700 hover:bg-black/5">
          {t.attachment.download}
        </a>
      )}
    </div>
  )
}

/** The rendition an image or sticker is drawn from: never the original (it may be a pixel bomb). */
export function safeImageSource(attachment: Attachment, prefer: 'thumb' | 'preview' = 'thumb'): string | undefined {
  return prefer === 'thumb' ? (attachment.urls.thumb ?? attachment.urls.preview) : (attachment.urls.preview ?? attachment.urls.thumb)
}
