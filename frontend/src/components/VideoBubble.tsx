import type { Attachment } from '../api/types'
import { formatDuration } from '../lib/format'
import { frameSize } from './mediaSize'
import { NoPreviewCard } from './NoPreviewCard'

/** A video: its poster in a box of the final size, the browser's own player (seeking by Range). */
export function VideoBubble({ attachment }: { attachment: Attachment }) {
  const { width, height } = frameSize(attachment)
  // No poster: no decoder could read a frame of it (or its frames are over the pixel cap).
  if (!attachment.urls.poster) return <NoPreviewCard attachment={attachment} />
  if (attachment.metadata.round) {
    // A round video note (WhatsApp's ptv): drawn round, as on the phone.
    return (
      <div className="relative h-60 w-60 max-w-full overflow-hidden rounded-full bg-black" data-testid="round-video">
        <video
          controls
          preload="none"
          playsInline
          poster={attachment.urls.poster}
          src={attachment.urls.original}
          data-testid="video"
          className="h-full w-full object-cover"
        />
      </div>
    )
  }
  return (
    <div className="relative max-w-full overflow-hidden rounded-md bg-black" style={{ width, aspectRatio: `${width} / ${height}` }}>
      <video
        controls
        preload="none"
        playsInline
        poster={attachment.urls.poster}
        src={attachment.urls.original}
        data-testid="video"
        className="h-full w-full object-contain"
      />
      {attachment.metadata.duration != null && (
        <span className="pointer-events-none absolute top-2 left-2 rounded bg-black/60 px-1.5 text-[11px] text-white">
          {formatDuration(attachment.metadata.duration)}
        </span>
      )}
    </div>
  )
}
