// What a reply quotes, above its text (and in the composer while answering): who wrote it, its text
// or the kind of file, and its thumbnail. In the chat a click scrolls to the original.
import type { Category } from '../api/types'
import { t } from '../strings'

export interface Quote {
  author: string
  text: string
  category: Category | ''
  thumbUrl: string | null
  mine: boolean
}

/** A thumbnail we may draw: our own signed /media/ URL, or the quote's inline JPEG (checked by the server). */
function drawable(url: string | null): string | null {
  if (!url) return null
  if (url.startsWith('data:image/jpeg;base64,')) return url
  return url.startsWith('/media/') ? url : null
}

export function QuotedBubble({ quote, onClick, testId = 'quoted' }: { quote: Quote; onClick?: () => void; testId?: string }) {
  const thumb = drawable(quote.thumbUrl)
  const label = quote.category ? t.preview[quote.category] : ''
  const text = quote.text || label || t.message.quotedMissing
  const content = (
    <>
      <span className="min-w-0 flex-1 py-1 pr-2 pl-2">
        <span className={`block truncate text-xs font-medium ${quote.mine ? 'text-emerald-700' : 'text-violet-700'}`}>{quote.author}</span>
        <span className="line-clamp-2 text-xs break-words text-slate-600" data-testid="quoted-text">
          {quote.text && label ? `${label.split(' ')[0]} ${quote.text}` : text}
        </span>
      </span>
      {thumb && <img src={thumb} alt="" className="h-12 w-12 flex-none object-cover" data-testid="quoted-thumb" />}
    </>
  )
  const className = `flex w-full min-w-0 overflow-hidden rounded-md border-l-4 bg-black/5 text-left ${
    quote.mine ? 'border-emerald-600' : 'border-violet-500'
  }`
  if (!onClick) return <div className={className} data-testid={testId}>{content}</div>
  return (
    <button type="button" onClick={onClick} className={className} data-testid={testId}>
      {content}
    </button>
  )
}
