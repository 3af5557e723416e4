import type { Message } from '../api/types'
import { formatClock } from '../lib/format'
import { visibleState } from '../lib/status'
import { useChat } from '../state/ChatContext'
import { errorText, t } from '../strings'
import { AttachmentView } from './AttachmentView'
import { StatusTicks } from './StatusTicks'

interface Props {
  message: Message
  showAuthor: boolean
  onOpenImage: (attachmentId: string) => void
}

export function MessageBubble({ message, showAuthor, onOpenImage }: Props) {
  const { retryMessage } = useChat()
  const outgoing = message.direction === 'out'
  const first = message.attachments[0]
  const sticker = first?.category === 'sticker' && !message.text
  const visible = visibleState(message, first)
  const canRetry = outgoing && message.status === 'failed' && (!first || first.status === 'ready')
  return (
    <div
      data-testid="message"
      data-message={message.id}
      data-direction={message.direction}
      data-category={first?.category ?? 'text'}
      className={`relative max-w-[85%] sm:max-w-[65%] ${outgoing ? 'self-end' : 'self-start'} ${
        sticker ? '' : `rounded-lg px-1.5 pt-1.5 pb-1 shadow-sm ${outgoing ? 'bg-wa-bubble-out' : 'bg-white'}`
      }`}
    >
      {showAuthor && message.author_name && <p className="px-1 text-xs font-medium text-teal-700">{message.author_name}</p>}
      {message.attachments.map((attachment) => (
        <AttachmentView
          key={attachment.id}
          attachment={attachment}
          message={message}
          onOpenImage={() => onOpenImage(attachment.id)}
        />
      ))}
      {message.text && <p className="px-1.5 pt-0.5 text-[14.5px] leading-snug break-words whitespace-pre-wrap text-slate-900">{message.text}</p>}
      <div className={`flex items-center justify-end gap-1 px-1 text-[11px] text-slate-500 ${sticker ? 'rounded bg-white/80' : ''}`}>
        <time dateTime={message.timestamp}>{formatClock(message.timestamp)}</time>
        {outgoing && <StatusTicks state={visible} />}
      </div>
      {outgoing && message.status === 'failed' && (
        <div className="mt-1 flex items-center gap-2 rounded bg-red-50 px-2 py-1 text-xs text-red-800" role="alert">
          <span className="min-w-0 flex-1">{errorText(message.error, t.status.failed)}</span>
          {canRetry && (
            <button type="button" onClick={() => void retryMessage(message.id)} className="flex-none rounded bg-red-700 px-2 py-0.5 font-medium text-white">
              {t.attachment.retry}
            </button>
          )}
        </div>
      )}
    </div>
  )
}
