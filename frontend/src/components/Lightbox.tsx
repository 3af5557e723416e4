// Full-screen picture viewer: zoom (buttons, +/-, click, wheel, pinch), drag to pan a zoomed picture,
// previous/next within the chat, download, Esc to close.
import { useEffect, useRef, useState } from 'react'
import type { Attachment } from '../api/types'
import { nextZoom, panLimit, pinchZoom, previousZoom, ZOOM_STEPS } from '../lib/zoom'
import { t } from '../strings'
import { safeImageSource } from './NoPreviewCard'
import { downloadUrl } from '../lib/download'

const MAX_ZOOM = ZOOM_STEPS[ZOOM_STEPS.length - 1]
const DRAG_SLOP_PX = 4 // a press that moves less than this is a click (zoom in), not a drag

interface Point {
  x: number
  y: number
}

export function Lightbox({ images, startId, onClose }: { images: Attachment[]; startId: string; onClose: () => void }) {
  const [index, setIndex] = useState(() => Math.max(0, images.findIndex((a) => a.id === startId)))
  const [zoom, setZoom] = useState(1)
  const [offset, setOffset] = useState<Point>({ x: 0, y: 0 })
  const closeButton = useRef<HTMLButtonElement>(null)
  const pointers = useRef(new Map<number, Point>())
  const gesture = useRef<{ moved: boolean; origin?: Point; pinch?: { distance: number; zoom: number } }>({ moved: false })
  const current = images[index]

  const [size, setSize] = useState<Point>({ x: 0, y: 0 }) // the picture's laid-out size, before zoom
  /** Keep the picture covering the view: a zoomed picture pans only as far as its edges. */
  const clampOffset = (point: Point, level: number): Point => {
    const limitX = panLimit(size.x, level)
    const limitY = panLimit(size.y, level)
    return { x: Math.max(-limitX, Math.min(limitX, point.x)), y: Math.max(-limitY, Math.min(limitY, point.y)) }
  }
  const shown = clampOffset(offset, zoom)

  const onPointerDown = (event: React.PointerEvent<HTMLImageElement>) => {
    event.currentTarget.setPointerCapture?.(event.pointerId)
    pointers.current.set(event.pointerId, { x: event.clientX, y: event.clientY })
    if (pointers.current.size === 1) gesture.current = { moved: false, origin: { x: event.clientX, y: event.clientY } }
    if (pointers.current.size === 2) {
      const [a, b] = [...pointers.current.values()]
      gesture.current = { moved: true, pinch: { distance: Math.hypot(a.x - b.x, a.y - b.y), zoom } }
    }
  }
  const onPointerMove = (event: React.PointerEvent<HTMLImageElement>) => {
    const last = pointers.current.get(event.pointerId)
    if (!last) return
    const now = { x: event.clientX, y: event.clientY }
    pointers.current.set(event.pointerId, now)
    const pinch = gesture.current.pinch
    if (pinch && pointers.current.size === 2) {
      const [a, b] = [...pointers.current.values()]
      const level = pinchZoom(pinch.zoom, pinch.distance, Math.hypot(a.x - b.x, a.y - b.y))
      setZoom(level)
      return
    }
    const origin = gesture.current.origin
    if (origin && Math.hypot(now.x - origin.x, now.y - origin.y) > DRAG_SLOP_PX) gesture.current.moved = true
    if (zoom > 1) setOffset((point) => clampOffset({ x: point.x + now.x - last.x, y: point.y + now.y - last.y }, zoom))
  }
  const onPointerUp = (event: React.PointerEvent<HTMLImageElement>) => {
    pointers.current.delete(event.pointerId)
    if (pointers.current.size < 2) gesture.current.pinch = undefined
  }

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null
    closeButton.current?.focus()
    return () => opener?.focus()
  }, [])

  useEffect(() => {
    setZoom(1)
    setOffset({ x: 0, y: 0 })
  }, [index])

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose()
      else if (event.key === 'ArrowLeft') setIndex((i) => Math.max(0, i - 1))
      else if (event.key === 'ArrowRight') setIndex((i) => Math.min(images.length - 1, i + 1))
      else if (event.key === '+' || event.key === '=') setZoom(nextZoom)
      else if (event.key === '-') setZoom(previousZoom)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [images.length, onClose])

  if (!current) return null
  const src = safeImageSource(current, 'preview')
  const button = 'rounded-full bg-white/10 px-3 py-2 text-white hover:bg-white/25 disabled:opacity-30'
  return (
    <div role="dialog" aria-modal="true" aria-label={t.lightbox.counter(index + 1, images.length)} className="fixed inset-0 z-50 flex flex-col bg-black/95" data-testid="lightbox">
      <div className="flex flex-none items-center justify-between gap-2 p-3 text-sm text-white">
        <span data-testid="lightbox-counter">{t.lightbox.counter(index + 1, images.length)}</span>
        <div className="flex items-center gap-2">
          <button type="button" className={button} aria-label={t.lightbox.zoomOut} disabled={zoom <= 1} onClick={() => setZoom(previousZoom)}>
            −
          </button>
          <span className="w-10 text-center" data-testid="lightbox-zoom">
            {Math.round(zoom * 100)}%
          </span>
          <button type="button" className={button} aria-label={t.lightbox.zoomIn} disabled={zoom >= MAX_ZOOM} onClick={() => setZoom(nextZoom)}>
            +
          </button>
          <a className={button} href={downloadUrl(current.urls.original)} download={current.file_name || true}>
            {t.lightbox.download}
          </a>
          <button ref={closeButton} type="button" className={button} aria-label={t.lightbox.close} onClick={onClose}>
            ✕
          </button>
        </div>
      </div>
      <div
        className="relative flex min-h-0 flex-1 items-center justify-center overflow-hidden"
        onClick={(e) => e.target === e.currentTarget && onClose()}
        onWheel={(e) => setZoom((level) => pinchZoom(level, 1, e.deltaY < 0 ? 1.25 : 0.8))}
      >
        <img
          key={current.id}
          src={src}
          alt={current.file_name || ''}
          draggable={false}
          onLoad={(e) => setSize({ x: e.currentTarget.offsetWidth, y: e.currentTarget.offsetHeight })}
          data-testid="lightbox-image"
          data-offset={`${Math.round(shown.x)},${Math.round(shown.y)}`}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerCancel={onPointerUp}
          onClick={() => !gesture.current.moved && setZoom((level) => (level >= MAX_ZOOM ? 1 : nextZoom(level)))}
          style={{
            transform: `translate(${shown.x}px, ${shown.y}px) scale(${zoom})`,
            cursor: zoom > 1 ? 'grab' : 'zoom-in',
            touchAction: 'none',
          }}
          className="max-h-full max-w-full select-none object-contain"
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
