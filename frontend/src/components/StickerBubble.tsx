import type { Attachment } from '../api/types'
import { t } from '../strings'

/** A sticker: no bubble, 160 px; an animated one plays (the original WebP animates in <img>). */
export function StickerBubble({ attachment }: { attachment: Attachment }) {
  const animated = !!attachment.metadata.animated
  const src = animated ? (attachment.urls.original ?? attachment.urls.thumb) : (attachment.urls.thumb ?? attachment.urls.original)
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
