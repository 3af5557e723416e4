// A picture in the chat: a box of the final size → the blurhash → the sharp thumbnail (fades in).
import { useState } from 'react'
import type { Attachment } from '../api/types'
import { t } from '../strings'
import { Blurhash } from './Blurhash'
import { frameSize } from './mediaSize'
import { NoPreviewCard, safeImageSource } from './NoPreviewCard'

export function ImageBubble({ attachment, onOpen }: { attachment: Attachment; onOpen: () => void }) {
  const [loaded, setLoaded] = useState(false)
  const { width, height } = frameSize(attachment)
  const src = safeImageSource(attachment)
  if (!src) return <NoPreviewCard attachment={attachment} />
  return (
    <button
      type="button"
      onClick={onOpen}
      aria-label={t.attachment.openImage}
      className="relative block max-w-full overflow-hidden rounded-md bg-slate-200"
      style={{ width, aspectRatio: `${width} / ${height}` }}
    >
      {!loaded &&
        (attachment.metadata.blurhash ? (
          <Blurhash hash={attachment.metadata.blurhash} className="absolute inset-0 h-full w-full" />
        ) : (
          attachment.metadata.placeholder && (
            <img src={attachment.metadata.placeholder} alt="" aria-hidden className="absolute inset-0 h-full w-full scale-110 object-cover blur-md" />
          )
        ))}
      <img
        src={src}
        alt={attachment.file_name || ''}
        data-testid="image-thumb"
        decoding="async"
        onLoad={() => setLoaded(true)}
        className={`absolute inset-0 h-full w-full object-cover transition-opacity duration-300 ${loaded ? 'opacity-100' : 'opacity-0'}`}
      />
    </button>
  )
}
