import { useState } from 'react'
import { ApiFailure } from '../api/client'
import type { Message } from '../api/types'
import { formatClock } from '../lib/format'
import { visibleState } from '../lib/status'
import { useChat } from '../state/ChatContext'
import { errorText, t } from '../strings'
import { AttachmentView } from './AttachmentView'
import { MessageActions } from './MessageActions'
import { MessageInfo } from './MessageInfo'
import { ForwardDialog } from './ForwardDialog'
import { QuotedBubble, type Quote } from './QuotedBubble'
import { Reactions } from './Reactions'
import { StatusTicks } from './StatusTicks'
import { ViewOnceCover } from './ViewOnceCover'

interface Props {
  message: Message
  showAuthor: boolean
  contactName: string // who "they" are in a 1:1 chat (a quote of theirs without an author name)
  highlighted?: boolean
  onOpenImage: (attachmentId: string) => void
  onJumpTo?: (messageId: string) => void
  onError?: (text: string) => void
  onDone?: (text: string) => void // a success to tell the agent ("Encaminhada para 2 conversas")
  children?: React.ReactNode // an album drawn instead of the attachments (ChatWindow)
}

export function quoteOf(message: Message, contactName: string): Quote | null {
  const reply = message.reply_to
  if (!reply) return null
  const mine = reply.direction === 'out'
  return {
    author: mine ? t.message.you : reply.author_name || contactName,
    text: reply.text,
    category: reply.category,
    thumbUrl: reply.thumb_url,
    mine,
  }
}

export function MessageBubble({ message, showAuthor, contactName, highlighted, onOpenImage, onJumpTo, onError, onDone, children }: Props) {
  const { retryMessage, react, setReplyTo, mayRemoveMedia, removeMedia } = useChat()
  const outgoing = message.direction === 'out'
  const deleted = !!message.deleted_at
  const first = message.attachments[0]
  const sticker = first?.category === 'sticker' && !message.text && !deleted && !message.reply_to
  const visible = visibleState(message, first)
  const canRetry = outgoing && message.status === 'failed' && (!first || first.status === 'ready')
  const quote = deleted ? null : quoteOf(message, contactName)
  const closedViewOnce = message.is_view_once && !message.view_once_opened_at && !deleted && first?.status !== 'failed'
  const mine = message.reactions.find((r) => r.from_me)?.emoji ?? null
  const actionable = !deleted && !!message.wa_message_id
  const [info, setInfo] = useState(false)
  const [forwarding, setForwarding] = useState(false)
  const removable = mayRemoveMedia && !deleted && message.attachments.some((a) => !a.metadata.removed && a.status !== 'uploading')
  const remove = () => {
    if (!window.confirm(t.message.removeMediaConfirm)) return
    removeMedia(message.id).catch((failure) =>
      onError?.(failure instanceof ApiFailure ? errorText(failure, t.message.removeMediaFailed) : t.message.removeMediaFailed),
    )
  }
  const forwardable =
    !deleted && !message.is_view_once && (message.attachments.length ? message.attachments.every((a) => a.status === 'ready' && a.urls.original) : !!message.text)
  return (
    <div className={`group relative flex max-w-[85%] flex-col sm:max-w-[65%] ${outgoing ? 'self-end' : 'self-start'}`}>
      <div
        data-testid="message"
        data-message={message.id}
        data-direction={message.direction}
        data-category={deleted ? 'deleted' : (first?.category ?? 'text')}
        data-highlighted={highlighted ? 'true' : undefined}
        className={`relative transition-shadow duration-500 ${highlighted ? 'ring-4 ring-amber-300' : ''} ${
          sticker ? '' : `rounded-lg px-1.5 pt-1.5 pb-1 shadow-sm ${outgoing ? 'bg-wa-bubble-out' : 'bg-white'}`
        }`}
      >
        {showAuthor && message.author_name && <p className="px-1 text-xs font-medium text-teal-700">{message.author_name}</p>}
        {message.forwarded && !deleted && (
          <p className="px-1 text-xs text-slate-500 italic" data-testid="forwarded">
            ↪ {message.forwarding_score >= 5 ? t.message.forwardedMany : t.message.forwarded}
          </p>
        )}
        {quote && (
          <div className="mb-1">
            <QuotedBubble quote={quote} onClick={message.reply_to?.id && onJumpTo ? () => onJumpTo(message.reply_to!.id!) : undefined} />
          </div>
        )}
        {deleted ? (
          <p className="px-1.5 pt-0.5 text-[14px] text-slate-500 italic" data-testid="deleted">
            {t.message.deleted}
          </p>
        ) : (
          <>
            {closedViewOnce ? (
              <ViewOnceCover message={message} />
            ) : (
              children ??
              message.attachments.map((attachment) => (
                <AttachmentView key={attachment.id} attachment={attachment} message={message} onOpenImage={() => onOpenImage(attachment.id)} />
              ))
            )}
            {message.is_view_once && message.view_once_opened_at && (
              <p className="px-1 text-xs text-slate-500" data-testid="view-once-opened">
                ① {t.message.viewOnce} · {t.message.viewOnceOpened(message.view_once_opened_by)}
              </p>
            )}
            {message.text && (
              <p className="px-1.5 pt-0.5 text-[14.5px] leading-snug break-words whitespace-pre-wrap text-slate-900">{message.text}</p>
            )}
          </>
        )}
        <div className={`flex items-center justify-end gap-1 px-1 text-[11px] text-slate-500 ${sticker ? 'rounded bg-white/80' : ''}`}>
          {message.edited_at && !deleted && (
            <span data-testid="edited" title={t.message.editHistory(message.edits, formatClock)} className="cursor-help">
              {t.message.edited}
            </span>
          )}
          <time dateTime={message.timestamp}>{formatClock(message.timestamp)}</time>
          {visible === 'played' && outgoing && (
            <span className="text-wa-blue" data-testid="played" title={t.status.played} aria-label={t.status.played}>
              🎤
            </span>
          )}
          {outgoing && !deleted && <StatusTicks state={visible} />}
        </div>
        {outgoing && message.status === 'failed' && !deleted && (
          <div className="mt-1 flex items-center gap-2 rounded bg-red-50 px-2 py-1 text-xs text-red-800" role="alert">
            <span className="min-w-0 flex-1">{errorText(message.error, t.status.failed)}</span>
            {canRetry && (
              <button type="button" onClick={() => void retryMessage(message.id)} className="flex-none rounded bg-red-700 px-2 py-0.5 font-medium text-white">
                {t.attachment.retry}
              </button>
            )}
          </div>
        )}
        {actionable && (
          <MessageActions
            outgoing={outgoing}
            mine={mine}
            onReply={() => setReplyTo(message.conversation, message.id)}
            onInfo={outgoing ? () => setInfo(true) : undefined}
            onForward={forwardable ? () => setForwarding(true) : undefined}
            sourceUrl={message.attachments.length === 1 ? message.attachments[0].urls.source : undefined}
            onRemove={removable ? remove : undefined}
            onReact={(emoji) =>
              react(message.id, emoji).catch((failure) =>
                onError?.(failure instanceof ApiFailure ? errorText(failure, t.message.reactFailed) : t.message.reactFailed),
              )
            }
          />
        )}
      </div>
      {info && <MessageInfo message={message} onClose={() => setInfo(false)} />}
      {forwarding && (
        <ForwardDialog
          messageIds={[message.id]}
          from={message.conversation}
          onClose={(done) => {
            setForwarding(false)
            if (done) onDone?.(done)
          }}
        />
      )}
      {!deleted && <Reactions reactions={message.reactions} outgoing={outgoing} />}
    </div>
  )
}
