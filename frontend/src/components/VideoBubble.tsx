import { useRef, useState } from 'react'
import type { Attachment } from '../api/types'
import { formatDuration } from '../lib/format'
import { t } from '../strings'
import { frameSize } from './mediaSize'
import { NoPreviewCard } from './NoPreviewCard'

/** A video: its poster in a box of the final size, the browser's own player (seeking by Range) on
 * the `playback` copy when the original is one browsers cannot play (HEVC), else the original. */
export function VideoBubble({ attachment }: { attachment: Attachment }) {
  const { width, height } = frameSize(attachment)
  // No poster: no decoder could read a frame of it (or its frames are over the pixel cap).
  if (!attachment.urls.poster) return <NoPreviewCard attachment={attachment} />
  if (attachment.metadata.round) return <RoundVideo attachment={attachment} />
  return (
    <div className="relative max-w-full overflow-hidden rounded-md bg-black" style={{ width, aspectRatio: `${width} / ${height}` }}>
      <video
        controls
        preload="none"
        playsInline
        poster={attachment.urls.poster}
        src={attachment.urls.playback ?? attachment.urls.original}
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

/** A round video note (WhatsApp's ptv), drawn round as on the phone: a tap plays or pauses it; no
 * player chrome crammed into the circle. */
function RoundVideo({ attachment }: { attachment: Attachment }) {
  const video = useRef<HTMLVideoElement>(null)
  const [playing, setPlaying] = useState(false)
  return (
    <button
      type="button"
      data-testid="round-video"
      aria-label={playing ? t.audio.pause : t.audio.play}
      onClick={() => {
        const el = video.current
        if (!el) return
        if (el.paused) void el.play().catch(() => setPlaying(false))
        else el.pause()
      }}
      className="relative block h-60 w-60 max-w-full overflow-hidden rounded-full bg-black"
    >
      <video
        ref={video}
        preload="none"
        playsInline
        poster={attachment.urls.poster}
        src={attachment.urls.playback ?? attachment.urls.original}
        data-testid="video"
        onPlay={() => setPlaying(true)}
        onPause={() => setPlaying(false)}
        onEnded={() => setPlaying(false)}
        className="h-full w-full object-cover"
      />
      {!playing && (
        <span className="pointer-events-none absolute inset-0 flex items-center justify-center">
          <span className="flex h-12 w-12 items-center justify-center rounded-full bg-black/50 pl-1 text-xl text-white">▶</span>
        </span>
      )}
      {attachment.metadata.duration != null && (
        <span className="pointer-events-none absolute bottom-4 left-1/2 -translate-x-1/2 rounded bg-black/60 px-1.5 text-[11px] text-white">
          {formatDuration(attachment.metadata.duration)}
        </span>
      )}
    </button>
  )
}
