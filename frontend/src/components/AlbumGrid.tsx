// Several photos and videos sent at once, as one grid (WhatsApp's album): up to four tiles, "+N"
// on the last when there are more; a tap opens the lightbox over the album's pictures.
import type { Attachment, Message } from '../api/types'
import { t } from '../strings'
import { AttachmentView } from './AttachmentView'
import { safeImageSource } from './NoPreviewCard'

const TILES = 4

export function AlbumGrid({ messages, size, onOpenImage }: { messages: Message[]; size: number; onOpenImage: (attachmentId: string) => void }) {
  const items = messages.flatMap((m) => m.attachments.map((a) => ({ message: m, attachment: a })))
  const shown = items.slice(0, TILES)
  const hidden = Math.max(size, items.length) - shown.length
  return (
    <div className="grid w-[330px] max-w-full grid-cols-2 gap-1" data-testid="album" data-size={size} aria-label={t.message.album(size)}>
      {shown.map(({ message, attachment }, index) => (
        <div key={attachment.id} className="relative aspect-square overflow-hidden rounded-md bg-slate-200" data-testid="album-tile">
          <Tile attachment={attachment} message={message} onOpen={() => onOpenImage(attachment.id)} />
          {index === shown.length - 1 && hidden > 0 && (
            <button
              type="button"
              onClick={() => onOpenImage(attachment.id)}
              className="absolute inset-0 flex items-center justify-center bg-black/50 text-3xl font-light text-white"
              data-testid="album-more"
            >
              {t.message.more(hidden)}
            </button>
          )}
        </div>
      ))}
    </div>
  )
}

function Tile({ attachment, message, onOpen }: { attachment: Attachment; message: Message; onOpen: () => void }) {
  const src = attachment.status === 'ready' && attachment.category === 'image' ? safeImageSource(attachment) : null
  if (src) {
    return (
      <button type="button" onClick={onOpen} className="block h-full w-full" aria-label={t.attachment.openImage}>
        <img src={src} alt="" data-testid="image-thumb" decoding="async" className="h-full w-full object-cover" />
      </button>
    )
  }
  // Not ready yet, a video, or no safe picture: the usual view of that state, cropped to the tile.
  return (
    <div className="h-full w-full [&>div]:h-full [&>div]:w-full [&_*]:max-h-full">
      <AttachmentView attachment={attachment} message={message} onOpenImage={onOpen} />
    </div>
  )
}
