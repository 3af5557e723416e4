// Full-screen picture viewer: zoom, previous/next within the chat, download, Esc to close.
import { useEffect, useRef, useState } from 'react'
import type { Attachment } from '../api/types'
import { t } from '../strings'

const ZOOMS = [1, 1.5, 2, 3]

export function Lightbox({ images, startId, onClose }: { images: Attachment[]; startId: string; onClose: () => void }) {
  const [index, setIndex] = useState(() => Math.max(0, images.findIndex((a) => a.id === startId)))
  const [zoom, setZoom] = useState(0)
  const closeButton = useRef<HTMLButtonElement>(null)
  const current = images[index]

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null
    closeButton.current?.focus()
    return () => opener?.focus()
  }, [])

  useEffect(() => setZoom(0), [index])

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose()
      else if (event.key === 'ArrowLeft') setIndex((i) => Math.max(0, i - 1))
      else if (event.key === 'ArrowRight') setIndex((i) => Math.min(images.length - 1, i + 1))
      else if (event.key === '+' || event.key === '=') setZoom((z) => Math.min(ZOOMS.length - 1, z + 1))
      else if (event.key === '-') setZoom((z) => Math.max(0, z - 1))
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [images.length, onClose])

  if (!current) return null
  const src = current.urls.preview ?? current.urls.original
  const button = 'rounded-full bg-white/10 px-3 py-2 text-white hover:bg-white/25 disabled:opacity-30'
  return (
    <div role="dialog" aria-modal="true" aria-label={t.lightbox.counter(index + 1, images.length)} className="fixed inset-0 z-50 flex flex-col bg-black/95" data-testid="lightbox">
      <div className="flex flex-none items-center justify-between gap-2 p-3 text-sm text-white">
        <span data-testid="lightbox-counter">{t.lightbox.counter(index + 1, images.length)}</span>
        <div className="flex items-center gap-2">
          <button type="button" className={button} aria-label={t.lightbox.zoomOut} disabled={zoom === 0} onClick={() => setZoom((z) => Math.max(0, z - 1))}>
            −
          </button>
          <span className="w-10 text-center" data-testid="lightbox-zoom">
            {Math.round(ZOOMS[zoom] * 100)}%
          </span>
          <button type="button" className={button} aria-label={t.lightbox.zoomIn} disabled={zoom === ZOOMS.length - 1} onClick={() => setZoom((z) => Math.min(ZOOMS.length - 1, z + 1))}>
            +
          </button>
          <a className={button} href={current.urls.original} download={current.file_name || true}>
            {t.lightbox.download}
          </a>
          <button ref={closeButton} type="button" className={button} aria-label={t.lightbox.close} onClick={onClose}>
            ✕
          </button>
        </div>
      </div>
      <div className="relative flex min-h-0 flex-1 items-center justify-center overflow-auto" onClick={(e) => e.target === e.currentTarget && onClose()}>
        <img
          key={current.id}
          src={src}
          alt={current.file_name || ''}
          data-testid="lightbox-image"
          onClick={() => setZoom((z) => (z + 1) % ZOOMS.length)}
          style={{ transform: `scale(${ZOOMS[zoom]})`, cursor: zoom === ZOOMS.length - 1 ? 'zoom-out' : 'zoom-in' }}
          className="max-h-full max-w-full object-contain transition-transform duration-150"
        />
        <button type="button" aria-label={t.lightbox.previous} disabled={index === 0} onClick={() => setIndex(index - 1)} className={`absolute left-3 top-1/2 -translate-y-1/2 ${button}`}>
          ‹
        </button>
        <button type="button" aria-label={t.lightbox.next} disabled={index === images.length - 1} onClick={() => setIndex(index + 1)} className={`absolute right-3 top-1/2 -translate-y-1/2 ${button}`}>
          ›
        </button>
      </div>
    </div>
  )
}
