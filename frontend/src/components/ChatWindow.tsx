import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from 'react'
import type { Attachment, Message } from '../api/types'
import { orderedMessages } from '../state/chat'
import { useChat } from '../state/ChatContext'
import { sendFiles } from '../state/uploads'
import { conversationName } from '../lib/avatar'
import { t } from '../strings'
import { AlbumGrid } from './AlbumGrid'
import { Avatar } from './Avatar'
import { Composer } from './Composer'
import { safeImageSource } from './NoPreviewCard'
import { Lightbox } from './Lightbox'
import { MessageBubble } from './MessageBubble'
import { UploadTray } from './UploadTray'

const NEAR_BOTTOM_PX = 160
const HIGHLIGHT_MS = 2000
const JUMP_OLDER_PAGES = 5 // how many older pages a click on a quote loads looking for the original

type Row = { kind: 'single'; message: Message } | { kind: 'album'; messages: Message[]; size: number }

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

export function ChatWindow({ conversationId, onBack }: { conversationId: string; onBack: () => void }) {
  const { state, loadMessages, loadOlder, policy, connections } = useChat()
  const conversation = state.conversations[conversationId]
  const thread = state.threads[conversationId]
  const messages = useMemo(() => orderedMessages(thread), [thread])
  const [failed, setFailed] = useState(false)
  const [dragging, setDragging] = useState(false)
  const [lightbox, setLightbox] = useState<{ start: string; album?: string } | null>(null)
  const [highlighted, setHighlighted] = useState<string | null>(null)
  const [notice, setNotice] = useState('')
  const jump = useRef<{ id: string; pagesLeft: number } | null>(null)
  const scroller = useRef<HTMLDivElement>(null)
  const stick = useRef(true)
  const previousHeight = useRef(0)

  useEffect(() => {
    loadMessages(conversationId).then(
      () => setFailed(false),
      () => setFailed(true),
    )
  }, [conversationId, loadMessages])

  // Stay at the bottom while the person is there (new messages, media finishing); keep the view
  // still when older messages are added above.
  useLayoutEffect(() => {
    const el = scroller.current
    if (!el) return
    if (stick.current) el.scrollTop = el.scrollHeight
    else if (previousHeight.current && el.scrollTop < 40) el.scrollTop += el.scrollHeight - previousHeight.current
    previousHeight.current = el.scrollHeight
  }, [messages])

  const rows = useMemo(() => rowsOf(messages), [messages])
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

  const name = conversation ? conversationName(conversation, t.conversations.group) : ''
  const drop = (event: DragEvent) => {
    event.preventDefault()
    setDragging(false)
    const files = [...event.dataTransfer.files]
    if (files.length && policy) sendFiles(policy, conversationId, files)
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
      </header>
      <div
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX
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
            return (
              <li key={message.id} className="flex flex-col">
                <MessageBubble
                  message={message}
                  showAuthor={!!conversation?.is_group && message.direction === 'in'}
                  contactName={name}
                  highlighted={highlighted === message.id || (!!album && album.messages.some((m) => m.id === highlighted))}
                  onOpenImage={(id) => setLightbox({ start: id })}
                  onJumpTo={jumpTo}
                  onError={setNotice}
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
    </section>
  )
}
