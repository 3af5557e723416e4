// A conversation's gallery beside the chat: tabs Mídia · Documentos · Áudios · Links, newest first,
// more as the agent scrolls. A picture opens the lightbox over the whole gallery, anything jumps
// to its message in the chat; "Selecionar" picks files to download as one zip. It follows the chat
// live: a file that becomes ready, a message deleted, a link sent — the tab's first page is read again.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { api, samePath, zipUrl } from '../api/client'
import type { Attachment, GalleryItem, GalleryTab, Message } from '../api/types'
import { useChat } from '../state/ChatContext'
import { formatDuration, formatListTime, formatSize } from '../lib/format'
import { t } from '../strings'
import { documentKind } from './DocumentCard'
import { ForwardDialog } from './ForwardDialog'
import { Lightbox } from './Lightbox'
import { safeImageSource } from './NoPreviewCard'
import { downloadUrl } from '../lib/download'
import { SidePanel } from './SidePanel'

const TABS: GalleryTab[] = ['media', 'documents', 'audio', 'links']

interface Props {
  conversationId: string
  onClose: () => void
  onJump: (messageId: string) => void
  onDone: (text: string) => void
}

/** What of the chat the gallery shows, as one value that changes when any of it does. */
export function galleryVersion(messages: Message[]): string {
  let ready = 0
  let deleted = 0
  let links = 0
  for (const m of messages) {
    if (m.deleted_at) deleted += 1
    else if (/https?:\/\//i.test(m.text)) links += 1
    for (const a of m.attachments) if (a.status === 'ready') ready += 1
  }
  return `${ready}:${deleted}:${links}`
}

function useTab(conversationId: string, tab: GalleryTab, version: string) {
  // The items are the tab's they were loaded for: a tab just switched to shows none of another's.
  const [loaded, setLoaded] = useState<{ tab: GalleryTab; items: GalleryItem[]; next: string | null } | null>(null)
  const [state, setState] = useState<'loading' | 'ready' | 'failed'>('loading')
  const shownTab = useRef<GalleryTab | null>(null)
  shownTab.current = loaded?.tab ?? null
  useEffect(() => {
    let live = true
    if (shownTab.current !== tab) setState('loading') // a refresh of the same tab keeps what it shows
    api.gallery(conversationId, tab).then(
      (page) => {
        if (!live) return
        setLoaded({ tab, items: page.results, next: samePath(page.next) })
        setState('ready')
      },
      () => live && setState('failed'),
    )
    return () => {
      live = false
    }
  }, [conversationId, tab, version])
  const current = loaded?.tab === tab ? loaded : null
  const next = current?.next ?? null
  const more = useCallback(async () => {
    if (!next) return
    const page = await api.gallery(conversationId, tab, next)
    setLoaded((now) => (now && now.tab === tab ? { tab, items: [...now.items, ...page.results], next: samePath(page.next) } : now))
  }, [conversationId, tab, next])
  return { items: current?.items ?? [], next, state: current ? state : 'loading', more }
}

function Tile({ item, selecting, chosen, onToggle, onOpen }: { item: GalleryItem; selecting: boolean; chosen: boolean; onToggle: () => void; onOpen: () => void }) {
  const a = item.attachment!
  const picture = a.urls.thumb ?? a.urls.poster ?? null
  return (
    <li className="relative aspect-square overflow-hidden rounded bg-slate-200" data-testid="gallery-item" data-category={a.category}>
      <button type="button" onClick={selecting ? onToggle : onOpen} className="h-full w-full" aria-label={a.file_name || t.preview[a.category]}>
        {picture ? <img src={picture} alt="" className="h-full w-full object-cover" loading="lazy" data-testid="gallery-thumb" /> : <span className="text-2xl">{t.preview[a.category].split(' ')[0]}</span>}
        {a.category === 'video' && (
          <span className="absolute bottom-1 left-1 rounded bg-black/60 px-1 text-xs text-white">▶ {formatDuration(a.metadata.duration)}</span>
        )}
      </button>
      {selecting && (
        <input type="checkbox" checked={chosen} onChange={onToggle} aria-label={a.file_name || a.id} className="absolute top-1.5 left-1.5 h-5 w-5" data-testid="gallery-select" />
      )}
    </li>
  )
}

function Row({ item, selecting, chosen, onToggle, onJump }: { item: GalleryItem; selecting: boolean; chosen: boolean; onToggle: () => void; onJump: () => void }) {
  const a = item.attachment!
  const { label, colour } = documentKind(a.mime_type, a.file_name)
  const audio = a.category === 'audio' || a.category === 'voice'
  return (
    <li className="flex items-center gap-3 px-3 py-2" data-testid="gallery-item" data-category={a.category}>
      {selecting && <input type="checkbox" checked={chosen} onChange={onToggle} aria-label={a.file_name || a.id} className="h-5 w-5" data-testid="gallery-select" />}
      <span className={`flex h-10 w-10 flex-none items-center justify-center rounded text-xs font-bold text-white ${audio ? 'bg-pink-600' : colour}`}>
        {audio ? (a.category === 'voice' ? '🎤' : '🎵') : label}
      </span>
      <button type="button" onClick={onJump} className="min-w-0 flex-1 text-left">
        <span className="block truncate text-sm text-slate-800">{a.file_name || t.preview[a.category]}</span>
        <span className="block text-xs text-slate-500">
          {[audio ? formatDuration(a.metadata.duration) : formatSize(a.size), formatListTime(item.timestamp)].filter(Boolean).join(' · ')}
        </span>
      </button>
      {a.urls.original && (
        <a href={downloadUrl(a.urls.original)} download={a.file_name || undefined} className="flex-none rounded px-2 py-1 text-sm text-wa-green hover:bg-slate-100">
          {t.attachment.download}
        </a>
      )}
    </li>
  )
}

export function GalleryPanel({ conversationId, onClose, onJump, onDone }: Props) {
  const [tab, setTab] = useState<GalleryTab>('media')
  const { state: chat } = useChat()
  const thread = chat.threads[conversationId]
  const version = useMemo(() => galleryVersion(Object.values(thread?.byId ?? {})), [thread])
  const { items, next, state, more } = useTab(conversationId, tab, version)
  const [selecting, setSelecting] = useState(false)
  // What is selected, across tabs: attachment id → its message's id.
  const [picked, setPicked] = useState<Record<string, string>>({})
  const chosen = Object.keys(picked)
  const [lightbox, setLightbox] = useState<string | null>(null)
  const [forwarding, setForwarding] = useState(false)
  const end = useRef<HTMLDivElement>(null)

  useEffect(() => {
    const el = end.current
    if (!el || !next || typeof IntersectionObserver === 'undefined') return
    const watcher = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && void more())
    watcher.observe(el)
    return () => watcher.disconnect()
  }, [next, more])

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && !lightbox && !forwarding && onClose()
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onClose, lightbox, forwarding])

  const toggle = (item: GalleryItem) =>
    setPicked((current) => {
      const next = { ...current }
      if (next[item.id]) delete next[item.id]
      else next[item.id] = item.message
      return next
    })
  const pictures = items
    .map((i) => i.attachment)
    .filter((a): a is Attachment => !!a && a.category === 'image' && !!safeImageSource(a, 'preview'))

  return (
    <SidePanel
      title={t.gallery.title}
      closeLabel={t.gallery.close}
      onClose={onClose}
      testId="gallery"
      actions={
        tab !== 'links' && (
              <button
                type="button"
                onClick={() => {
                  setSelecting((s) => !s)
                  setPicked({})
                }}
                className="rounded px-2 py-1 text-sm text-slate-700 hover:bg-slate-200"
                aria-pressed={selecting}
              >
                {selecting ? t.gallery.doneSelecting : t.gallery.select}
              </button>
        )
      }
    >
      <nav className="flex flex-none border-b border-slate-200" role="tablist">
        {TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={tab === name}
            onClick={() => setTab(name)}
            className={`flex-1 px-2 py-2 text-sm ${tab === name ? 'border-b-2 border-wa-green font-medium text-wa-green' : 'text-slate-600'}`}
          >
            {t.gallery.tabs[name]}
          </button>
        ))}
      </nav>
      <div className="min-h-0 flex-1 overflow-y-auto" role="tabpanel">
        {state === 'loading' && <p className="p-4 text-center text-sm text-slate-500">{t.chat.loading}</p>}
        {state === 'failed' && <p className="p-4 text-center text-sm text-red-700">{t.gallery.loadFailed}</p>}
        {state === 'ready' && items.length === 0 && <p className="p-4 text-center text-sm text-slate-500">{t.gallery.empty[tab]}</p>}
        {tab === 'media' && (
          <ul className="grid grid-cols-3 gap-1 p-1">
            {items.map((item) => (
              <Tile
                key={item.id}
                item={item}
                selecting={selecting}
                chosen={chosen.includes(item.id)}
                onToggle={() => toggle(item)}
                onOpen={() => (item.attachment?.category === 'image' && pictures.some((p) => p.id === item.id) ? setLightbox(item.id) : onJump(item.message))}
              />
            ))}
          </ul>
        )}
        {(tab === 'documents' || tab === 'audio') && (
          <ul className="divide-y divide-slate-100">
            {items.map((item) => (
              <Row key={item.id} item={item} selecting={selecting} chosen={chosen.includes(item.id)} onToggle={() => toggle(item)} onJump={() => onJump(item.message)} />
            ))}
          </ul>
        )}
        {tab === 'links' && (
          <ul className="divide-y divide-slate-100">
            {items.map((item) => (
              <li key={item.id} className="px-3 py-2" data-testid="gallery-item" data-category="link">
                {item.links.map((link) => (
                  <a key={link} href={link} target="_blank" rel="noopener noreferrer nofollow" className="block truncate text-sm text-sky-700 underline" data-testid="gallery-link">
                    {link}
                  </a>
                ))}
                <button type="button" onClick={() => onJump(item.message)} className="mt-0.5 block w-full truncate text-left text-xs text-slate-500">
                  {formatListTime(item.timestamp)} · {item.text}
                </button>
              </li>
            ))}
          </ul>
        )}
        <div ref={end} className="h-4" />
      </div>
      {selecting && (
        <footer className="flex flex-none items-center gap-2 border-t border-slate-200 bg-wa-panel px-3 py-2">
          <span className="flex-1 text-sm text-slate-700">{t.gallery.chosen(chosen.length)}</span>
          <button
            type="button"
            disabled={!chosen.length}
            onClick={() => setForwarding(true)}
            className="rounded-full border border-wa-green px-3 py-1 text-sm text-wa-green disabled:opacity-50"
            data-testid="gallery-forward"
          >
            {t.forward.action}
          </button>
          <a
            href={chosen.length ? zipUrl(conversationId, chosen) : undefined}
            aria-disabled={!chosen.length}
            className={`rounded-full px-4 py-1.5 text-sm font-medium text-white ${chosen.length ? 'bg-wa-green' : 'pointer-events-none bg-slate-400'}`}
            data-testid="gallery-download"
          >
            {t.gallery.download}
          </a>
        </footer>
      )}
      {lightbox && <Lightbox images={pictures} startId={lightbox} onClose={() => setLightbox(null)} />}
      {forwarding && (
        <ForwardDialog
          messageIds={[...new Set(Object.values(picked))]}
          from={conversationId}
          onClose={(done) => {
            setForwarding(false)
            if (done) {
              setSelecting(false)
              setPicked({})
              onDone(done)
            }
          }}
        />
      )}
    </SidePanel>
  )
}
