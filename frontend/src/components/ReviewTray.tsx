// The files chosen for this chat, before anything is sent (state/review): a preview of each —
// picture, video frame, PDF first page, audio with its duration, or a file card — a caption per
// file, ✕ to remove one, + to add more, then "Enviar" (or Enter in a caption) sends them in order;
// Esc or "Cancelar" drops them all. A file the server would refuse is flagged with the reason.
import { useEffect, useRef, useState } from 'react'
import { formatDuration, formatSize } from '../lib/format'
import { drawFirstPage } from '../lib/pdfPreview'
import { useChat } from '../state/ChatContext'
import { addDrafts, discardDrafts, removeDraft, sendDrafts, setDraftCaption, useDrafts, type Draft } from '../state/review'
import { t } from '../strings'
import { documentKind } from './DocumentCard'

function FileCard({ draft }: { draft: Draft }) {
  const { label, colour } = documentKind(draft.file.type, draft.file.name)
  return (
    <div className="flex h-full w-full flex-col items-center justify-center gap-2 bg-slate-100 p-2 text-center" data-testid="review-file-card">
      <span className={`rounded px-2 py-1 text-xs font-bold text-white ${colour}`}>{label}</span>
    </div>
  )
}

function PdfPage({ draft, onPages }: { draft: Draft; onPages: (pages: number) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null)
  const [failed, setFailed] = useState(false)
  useEffect(() => {
    let live = true
    if (!canvas.current) return
    drawFirstPage(draft.file, canvas.current).then(
      (preview) => live && onPages(preview.pages),
      () => live && setFailed(true),
    )
    return () => {
      live = false
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [draft.file])
  if (failed) return <FileCard draft={draft} />
  return <canvas ref={canvas} className="max-h-full max-w-full bg-white object-contain" data-testid="review-pdf-page" aria-label={draft.file.name} />
}

function Preview({ draft, onDetail }: { draft: Draft; onDetail: (text: string) => void }) {
  if (!draft.checked.ok || !draft.url) return <FileCard draft={draft} />
  switch (draft.kind) {
    case 'image':
      return <img src={draft.url} alt={draft.file.name} className="max-h-full max-w-full object-contain" data-testid="review-image" />
    case 'video':
      return (
        <video
          src={draft.url}
          muted
          preload="metadata"
          className="max-h-full max-w-full"
          data-testid="review-video"
          onLoadedMetadata={(e) => onDetail(formatDuration(e.currentTarget.duration))}
        />
      )
    case 'audio':
    case 'voice':
      return (
        <div className="flex h-full w-full flex-col items-center justify-center gap-2 bg-slate-100 px-2">
          <span aria-hidden className="text-3xl">
            {draft.voice ? '🎤' : '🎵'}
          </span>
          <audio
            src={draft.url}
            controls
            preload="metadata"
            className="w-full"
            data-testid="review-audio"
            onLoadedMetadata={(e) => Number.isFinite(e.currentTarget.duration) && onDetail(formatDuration(e.currentTarget.duration))}
          />
        </div>
      )
    case 'pdf':
      return <PdfPage draft={draft} onPages={(pages) => onDetail(t.review.pdfPages(pages))} />
    default:
      return <FileCard draft={draft} />
  }
}

function DraftCard({ draft, onEnter, first }: { draft: Draft; onEnter: () => void; first: boolean }) {
  const [detail, setDetail] = useState('')
  const refused = !draft.checked.ok
  return (
    <li
      className={`flex w-56 flex-none flex-col overflow-hidden rounded-lg border bg-white ${refused ? 'border-red-400' : 'border-slate-200'}`}
      data-testid="review-item"
      data-kind={draft.kind}
      data-refused={refused}
    >
      <div className="relative flex h-36 items-center justify-center bg-slate-900/5">
        <Preview draft={draft} onDetail={setDetail} />
        <button
          type="button"
          onClick={() => removeDraft(draft.key)}
          aria-label={t.review.remove(draft.file.name)}
          className="absolute right-1 top-1 flex h-7 w-7 items-center justify-center rounded-full bg-white/90 text-slate-700 shadow hover:bg-white"
        >
          ✕
        </button>
      </div>
      <div className="space-y-1 p-2">
        <p className="truncate text-sm text-slate-800" title={draft.file.name} data-testid="review-name">
          {draft.file.name}
        </p>
        <p className="text-xs text-slate-500" data-testid="review-details">
          {[formatSize(draft.file.size), detail].filter(Boolean).join(' · ')}
        </p>
        {refused ? (
          <p role="alert" className="text-xs text-red-700" data-testid="review-refused">
            {t.review.refused}: {!draft.checked.ok && draft.checked.message}
          </p>
        ) : (
          <input
            type="text"
            value={draft.caption}
            autoFocus={first}
            onChange={(e) => setDraftCaption(draft.key, e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.nativeEvent.isComposing) {
                e.preventDefault()
                onEnter()
              }
            }}
            placeholder={t.composer.captionPlaceholder}
            aria-label={t.review.caption(draft.file.name)}
            className="w-full rounded border border-slate-200 px-2 py-1 text-sm focus:border-wa-green focus:outline-none"
          />
        )}
      </div>
    </li>
  )
}

export function ReviewTray({ conversationId, replyTo, onSent }: { conversationId: string; replyTo: string | null; onSent: () => void }) {
  const { policy } = useChat()
  const drafts = useDrafts(conversationId)
  const more = useRef<HTMLInputElement>(null)
  const sendable = drafts.filter((d) => d.checked.ok).length

  const send = () => {
    if (!policy || !sendable) return
    sendDrafts(policy, conversationId, replyTo)
    onSent()
  }

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') discardDrafts(conversationId)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [conversationId])

  if (drafts.length === 0) return null
  return (
    <div
      className="flex-none border-t border-slate-200 bg-wa-panel px-3 py-2"
      data-testid="review-tray"
      aria-label={t.review.title(drafts.length)}
      role="region"
      onPaste={(event) => {
        const pasted = [...event.clipboardData.files]
        if (pasted.length && policy) {
          event.preventDefault()
          addDrafts(policy, conversationId, pasted) // a picture pasted while reviewing joins the others
        }
      }}
    >
      <div className="mb-2 flex items-center gap-2">
        <h3 className="flex-1 text-sm font-medium text-slate-700">{t.review.title(drafts.length)}</h3>
        <button type="button" onClick={() => discardDrafts(conversationId)} className="rounded px-3 py-1 text-sm text-slate-700 hover:bg-slate-200">
          {t.review.cancel}
        </button>
      </div>
      <ul className="flex gap-2 overflow-x-auto pb-1">
        {drafts.map((draft, index) => (
          <DraftCard key={draft.key} draft={draft} onEnter={send} first={index === 0} />
        ))}
        <li className="flex w-20 flex-none">
          <button
            type="button"
            onClick={() => more.current?.click()}
            aria-label={t.review.addMore}
            className="flex h-36 w-full items-center justify-center rounded-lg border-2 border-dashed border-slate-300 text-3xl text-slate-500 hover:border-wa-green hover:text-wa-green"
          >
            +
          </button>
          <input
            ref={more}
            type="file"
            multiple
            hidden
            data-testid="review-add-input"
            onChange={(e) => {
              if (policy) addDrafts(policy, conversationId, [...(e.target.files ?? [])])
              e.target.value = ''
            }}
          />
        </li>
      </ul>
      <div className="mt-2 flex items-center justify-end gap-2">
        {!sendable && <p className="flex-1 text-sm text-red-700">{t.review.nothingToSend}</p>}
        <button
          type="button"
          onClick={send}
          disabled={!sendable}
          aria-label={t.review.send}
          className="flex items-center gap-2 rounded-full bg-wa-green px-5 py-2 text-sm font-medium text-white disabled:opacity-50"
          data-testid="review-send"
        >
          {t.review.sendCount(sendable)} ➤
        </button>
      </div>
    </div>
  )
}
