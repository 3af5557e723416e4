import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from 'react'
import type { Attachment, Message } from '../api/types'
import { orderedMessages } from '../state/chat'
import { useChat } from '../state/ChatContext'
import { addDrafts } from '../state/review'
import { conversationName } from '../lib/avatar'
import { dayLabel, dayNumber } from '../lib/format'
import { arrivedBelow } from '../lib/newBelow'
import { t } from '../strings'
import { AlbumGrid } from './AlbumGrid'
import { Avatar } from './Avatar'
import { Composer } from './Composer'
import { GalleryPanel } from './GalleryPanel'
import { SearchResults, useSearch } from './SearchResults'
import { safeImageSource } from './NoPreviewCard'
import { Lightbox } from './Lightbox'
import { MessageBubble } from './MessageBubble'
import { UploadTray } from './UploadTray'
import { PrivacyPanel } from './PrivacyPanel'

const NEAR_BOTTOM_PX = 160
const HIGHLIGHT_MS = 2000
const JUMP_OLDER_PAGES = 5 // how many older pages a click on a quote loads looking for the original

type Row = { kind: 'single'; message: Message } | { kind: 'album'; messages: Message[]; size: number }

/** Where a new day begins (in the tenant's zone): the id of each day's first message. */
export function dayStarts(messages: Message[]): Set<string> {
  const starts = new Set<string>()
  let day: number | null = null
  for (const message of messages) {
    const today = dayNumber(new Date(message.timestamp))
    if (today !== day) starts.add(message.id)
    day = today
  }
  return starts
}

/** Consecutive photos and videos of one album (same sender) become one row; a lone one stays itself. */
export function rowsOf(messages: Message[]): Row[] {
  const rows: Row[] = []
  for (const message of messages) {
    const previous = rows[rows.length - 1]
    const album = message.album
    const groupable = album && !message.deleted_at && message.attachments.length > 0
    if (groupable && previous) {
      const head = previous.kind === 'album' ? previous.messages[0] : previous.message
      if (head.album?.id === album.id && head.direction === message.direction && !head.deleted_at && head.attachments.length) {
        const members = previous.kind === 'album' ? previous.messages : [previous.message]
        rows[rows.length - 1] = { kind: 'album', messages: [...members, message], size: Math.max(album.size, members.length + 1) }
        continue
      }
    }
    rows.push({ kind: 'single', message })
  }
  return rows
}

interface ChatWindowProps {
  conversationId: string
  onBack: () => void
  focus?: { message: string; at: number } | null // a search hit: scroll to it and light it up
}

export function ChatWindow({ conversationId, onBack, focus }: ChatWindowProps) {
  const { state, loadMessages, loadOlder, policy, connections, markRead, isAdmin } = useChat()
  const conversation = state.conversations[conversationId]
  const thread = state.threads[conversationId]
  const messages = useMemo(() => orderedMessages(thread), [thread])
  const [failed, setFailed] = useState(false)
  const [dragging, setDragging] = useState(false)
  const [lightbox, setLightbox] = useState<{ start: string; album?: string } | null>(null)
  const [highlighted, setHighlighted] = useState<string | null>(null)
  const [notice, setNotice] = useState('')
  const [galleryOpen, setGalleryOpen] = useState(false)
  const [privacyOpen, setPrivacyOpen] = useState(false)
  const [searching, setSearching] = useState(false)
  const [query, setQuery] = useState('')
  const found = useSearch(searching ? query : '', conversationId)
  const [toast, setToast] = useState('')
  useEffect(() => {
    if (!toast) return
    const gone = window.setTimeout(() => setToast(''), 4000)
    return () => window.clearTimeout(gone)
  }, [toast])
  const jump = useRef<{ id: string; pagesLeft: number } | null>(null)
  const scroller = useRef<HTMLDivElement>(null)
  const stick = useRef(true)
  const previousHeight = useRef(0)
  const previousFirst = useRef<string | undefined>(undefined)
  const [atBottom, setAtBottom] = useState(true)
  // Incoming messages that arrived while the agent was reading further up (the ↓ button's count).
  const [newBelow, setNewBelow] = useState(0)
  const known = useRef(new Set<string>())

  useEffect(() => {
    loadMessages(conversationId).then(
      () => setFailed(false),
      () => setFailed(true),
    )
  }, [conversationId, loadMessages])

  // Stay at the bottom while the person is there (new messages, media finishing); keep the view
  // still when older messages are added above, or new ones below while reading further up.
  useLayoutEffect(() => {
    const el = scroller.current
    if (!el) return
    const first = messages[0]?.id
    const olderAbove = previousFirst.current !== undefined && first !== previousFirst.current
    if (stick.current) el.scrollTop = el.scrollHeight
    else if (olderAbove && previousHeight.current) el.scrollTop += el.scrollHeight - previousHeight.current
    previousHeight.current = el.scrollHeight
    previousFirst.current = first
  }, [messages])

  // New incoming messages below the view are counted on the ↓ button until the agent goes down
  // (lib/newBelow: each counts once, whatever order they arrive in).
  useEffect(() => {
    const arrived = arrivedBelow(known.current, messages)
    if (arrived && !stick.current) setNewBelow((n) => n + arrived)
  }, [messages])

  // The chat is open: what is in it has been seen — when the tab is visible, now and as more comes.
  const unread = conversation?.unread_count ?? 0
  useEffect(() => {
    if (!unread || !thread?.loaded) return
    const seen = () => {
      if (document.visibilityState === 'visible') void markRead(conversationId).catch(() => undefined)
    }
    seen()
    document.addEventListener('visibilitychange', seen)
    return () => document.removeEventListener('visibilitychange', seen)
  }, [unread, thread?.loaded, conversationId, markRead])

  const toBottom = () => {
    const el = scroller.current
    if (!el) return
    stick.current = true
    el.scrollTo({ top: el.scrollHeight, behavior: 'smooth' })
    setNewBelow(0)
  }

  const rows = useMemo(() => rowsOf(messages), [messages])
  const newDays = useMemo(() => dayStarts(messages), [messages])
  const images = useMemo(() => {
    const shown = lightbox?.album ? messages.filter((m) => m.album?.id === lightbox.album) : messages
    return shown.flatMap((m) =>
      m.deleted_at
        ? []
        : m.attachments.filter((a): a is Attachment => a.category === 'image' && a.status === 'ready' && !!safeImageSource(a, 'preview')),
    )
  }, [messages, lightbox?.album])

  // A click on a quote: scroll to the original and light it up (loading older pages if needed).
  const jumpTo = useCallback(
    (id: string) => {
      const el = scroller.current?.querySelector(`[data-message="${CSS.escape(id)}"]`)
      if (el) {
        jump.current = null
        el.scrollIntoView({ block: 'center', behavior: 'smooth' })
        setHighlighted(id)
        window.setTimeout(() => setHighlighted((current) => (current === id ? null : current)), HIGHLIGHT_MS)
        return
      }
      const pagesLeft = jump.current?.id === id ? jump.current.pagesLeft : JUMP_OLDER_PAGES
      if (pagesLeft > 0 && thread?.older) {
        jump.current = { id, pagesLeft: pagesLeft - 1 }
        stick.current = false
        void loadOlder(conversationId)
      } else {
        jump.current = null
      }
    },
    [conversationId, loadOlder, thread?.older],
  )
  useEffect(() => {
    if (jump.current) jumpTo(jump.current.id)
  }, [messages, jumpTo])

  // A search hit (from the list, or this chat's own search): go to it once the chat has loaded.
  const [focused, setFocused] = useState<{ message: string; at: number } | null>(null)
  const target = !focus ? focused : !focused ? focus : focused.at > focus.at ? focused : focus // the latest
  const handled = useRef<number | null>(null)
  useEffect(() => {
    if (!target || !thread?.loaded || handled.current === target.at) return
    handled.current = target.at
    jumpTo(target.message)
  }, [target, thread?.loaded, jumpTo])

  const name = conversation ? conversationName(conversation, t.conversations.group) : ''
  const drop = (event: DragEvent) => {
    event.preventDefault()
    setDragging(false)
    const files = [...event.dataTransfer.files]
    if (files.length && policy) addDrafts(policy, conversationId, files) // reviewed before sending
  }

  return (
    <section
      className="relative flex h-full min-h-0 flex-col bg-wa-chat"
      aria-label={name}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault()
          setDragging(true)
        }
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false)
      }}
      onDrop={drop}
    >
      <header className="flex h-16 flex-none items-center gap-3 bg-wa-panel px-3">
        <button type="button" onClick={onBack} className="rounded p-2 text-slate-600 hover:bg-slate-200 md:hidden" aria-label={t.chat.back}>
          ←
        </button>
        {conversation && <Avatar name={name} url={conversation.avatar_url} colourKey={conversation.remote_jid} group={conversation.is_group} size={40} />}
        <div className="min-w-0">
          <h2 className="truncate font-medium text-slate-900" data-testid="chat-title">
            {name}
          </h2>
          {conversation && (!conversation.is_group || connections.length > 1) && (
            <p className="truncate text-xs text-slate-500" data-testid="chat-subtitle">
              {!conversation.is_group && `+${conversation.remote_jid.split('@')[0]}`}
              {connections.length > 1 && (
                <>
                  {!conversation.is_group && ' · '}
                  {t.chat.onNumber(connections.find((c) => c.id === conversation.connection)?.name ?? '')}
                </>
              )}
            </p>
          )}
        </div>
        <button
          type="button"
          onClick={() => {
            setSearching((open) => !open)
            setQuery('')
          }}
          aria-label={t.search.open}
          title={t.search.open}
          aria-expanded={searching}
          className="ml-auto rounded-full p-2 text-xl text-slate-600 hover:bg-slate-200"
          data-testid="open-search"
        >
          🔍
        </button>
        <button
          type="button"
          onClick={() => setGalleryOpen((open) => !open)}
          aria-label={t.gallery.open}
          title={t.gallery.open}
          aria-expanded={galleryOpen}
          className="rounded-full p-2 text-xl text-slate-600 hover:bg-slate-200"
          data-testid="open-gallery"
        >
          🗂️
        </button>
        {isAdmin && conversation && !conversation.is_group && (
          <button
            type="button"
            onClick={() => setPrivacyOpen((open) => !open)}
            aria-label={t.privacy.open}
            title={t.privacy.open}
            aria-expanded={privacyOpen}
            className="rounded-full p-2 text-xl text-slate-600 hover:bg-slate-200"
            data-testid="open-privacy"
          >
            🛡️
          </button>
        )}
      </header>
      {searching && (
        <div className="relative flex-none border-b border-slate-200 bg-white px-3 py-2">
          <input
            type="search"
            autoFocus
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                setSearching(false)
                setQuery('')
              }
            }}
            placeholder={t.search.inChat}
            aria-label={t.search.inChat}
            className="w-full rounded-lg bg-slate-100 px-3 py-1.5 text-sm focus:bg-white focus:outline focus:outline-wa-green"
            data-testid="search-chat"
          />
          {found.active && (
            <div className="absolute inset-x-0 top-full z-20 max-h-80 overflow-y-auto bg-white shadow-lg">
              <SearchResults
                hits={found.hits}
                error={found.error}
                showChat={false}
                onOpen={(hit) => {
                  setFocused({ message: hit.message, at: Date.now() })
                  setQuery('')
                }}
              />
            </div>
          )}
        </div>
      )}
      <div
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX
          setAtBottom(stick.current)
          if (stick.current) setNewBelow(0)
        }}
        className="min-h-0 flex-1 overflow-y-auto px-3 py-4 sm:px-[6%]"
        data-testid="messages"
      >
        {thread?.older && (
          <div className="mb-3 text-center">
            <button
              type="button"
              onClick={() => {
                stick.current = false
                void loadOlder(conversationId)
              }}
              className="rounded-full bg-white px-3 py-1 text-sm text-slate-600 shadow"
            >
              {t.chat.loadOlder}
            </button>
          </div>
        )}
        {failed && !thread?.loaded && (
          <div className="text-center text-sm text-slate-600">
            {t.chat.loadFailed}{' '}
            <button type="button" className="underline" onClick={() => loadMessages(conversationId).then(() => setFailed(false), () => undefined)}>
              {t.chat.tryAgain}
            </button>
          </div>
        )}
        {!thread?.loaded && !failed && <p className="text-center text-sm text-slate-500">{t.chat.loading}</p>}
        {thread?.loaded && messages.length === 0 && <p className="text-center text-sm text-slate-500">{t.chat.empty}</p>}
        <ol className="flex flex-col gap-1.5">
          {rows.map((row) => {
            const album = row.kind === 'album' ? row : null
            // An album's bubble says what its photos say: every caption, every reaction.
            const message = album
              ? {
                  ...album.messages[0],
                  text: album.messages.map((m) => m.text).filter(Boolean).join('\n'),
                  reactions: album.messages.flatMap((m) => m.reactions),
                }
              : (row as Extract<Row, { kind: 'single' }>).message
            const firstOfDay = (album ? album.messages : [message]).some((m) => newDays.has(m.id))
            return (
              <li key={message.id} className="flex flex-col">
                {firstOfDay && (
                  <div className="my-2 flex justify-center" data-testid="day-separator">
                    <span className="rounded-lg bg-white/90 px-3 py-1 text-xs font-medium uppercase text-slate-600 shadow-sm">
                      {dayLabel(message.timestamp)}
                    </span>
                  </div>
                )}
                <MessageBubble
                  message={message}
                  showAuthor={!!conversation?.is_group && message.direction === 'in'}
                  contactName={name}
                  highlighted={highlighted === message.id || (!!album && album.messages.some((m) => m.id === highlighted))}
                  onOpenImage={(id) => setLightbox({ start: id })}
                  onJumpTo={jumpTo}
                  onError={setNotice}
                  onDone={setToast}
                >
                  {album && (
                    <AlbumGrid
                      messages={album.messages}
                      size={album.size}
                      onOpenImage={(id) => setLightbox({ start: id, album: message.album?.id })}
                    />
                  )}
                </MessageBubble>
              </li>
            )
          })}
        </ol>
      </div>
      {!atBottom && (
        <div className="relative h-0">
          <button
            type="button"
            onClick={toBottom}
            aria-label={newBelow ? `${t.chat.toBottom} (${t.chat.newBelow(newBelow)})` : t.chat.toBottom}
            className="absolute bottom-3 right-4 z-10 flex h-11 w-11 items-center justify-center rounded-full bg-white text-xl text-slate-600 shadow-md hover:bg-slate-50"
            data-testid="to-bottom"
          >
            ⌄
            {newBelow > 0 && (
              <span className="absolute -top-1.5 -right-1 flex h-5 min-w-5 items-center justify-center rounded-full bg-wa-green px-1 text-xs font-semibold text-white" data-testid="new-below">
                {newBelow}
              </span>
            )}
          </button>
        </div>
      )}
      {toast && (
        <p role="status" className="bg-emerald-50 px-4 py-1 text-sm text-emerald-800" data-testid="toast">
          {toast}
        </p>
      )}
      {notice && (
        <p role="alert" className="bg-red-50 px-4 py-1 text-sm text-red-800" onClick={() => setNotice('')}>
          {notice}
        </p>
      )}
      <UploadTray conversationId={conversationId} />
      <Composer conversationId={conversationId} />
      {dragging && (
        <div className="pointer-events-none absolute inset-0 z-20 flex items-center justify-center border-4 border-dashed border-wa-green bg-white/80 text-lg font-medium text-slate-700">
          {t.chat.dropHere}
        </div>
      )}
      {lightbox && <Lightbox images={images} startId={lightbox.start} onClose={() => setLightbox(null)} />}
      {privacyOpen && conversation && (
        <div className="absolute inset-y-0 right-0 z-30 flex w-full shadow-xl md:w-auto">
          <PrivacyPanel key={conversation.id} conversation={conversation} onDone={setToast} onClose={() => setPrivacyOpen(false)} />
        </div>
      )}
      {galleryOpen && (
        <div className="absolute inset-y-0 right-0 z-30 flex w-full shadow-xl md:w-auto">
          <GalleryPanel
            conversationId={conversationId}
            onDone={setToast}
            onClose={() => setGalleryOpen(false)}
            onJump={(id) => {
              if (window.matchMedia?.('(max-width: 767px)').matches) setGalleryOpen(false)
              jumpTo(id)
            }}
          />
        </div>
      )}
    </section>
  )
}
