import type { Attachment } from '../api/types'
import { t } from '../strings'
import { NoPreviewCard } from './NoPreviewCard'

/** A sticker: no bubble, 160 px; an animated one plays (its thumb is an animated WebP of our own). */
export function StickerBubble({ attachment }: { attachment: Attachment }) {
  const animated = !!attachment.metadata.animated
  const src = attachment.urls.thumb
  if (!src) return <NoPreviewCard attachment={attachment} />
  return (
    <img
      src={src}
      alt={animated ? t.attachment.animated : t.preview.sticker}
      width={160}
      height={160}
      data-testid="sticker"
      data-animated={animated}
      className="h-40 w-40 object-contain"
    />
  )
}
