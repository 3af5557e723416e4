// What an agent does with a message on hover (or focus): answer it, react with one emoji, forward it,
// (our own) see when it was sent, delivered and read, and download the file they chose when a
// WhatsApp-ready copy of it was what went (`source`).
import { useState } from 'react'
import { t } from '../strings'
import { downloadUrl } from '../lib/download'

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏']

interface Props {
  outgoing: boolean
  mine: string | null // our current reaction
  onReply: () => void
  onReact: (emoji: string) => void
  onInfo?: () => void // our own messages: when it was sent, delivered, read
  onForward?: () => void // to other chats of the tenant
  sourceUrl?: string // the agent's own file, kept beside the converted copy that was sent
  onRemove?: () => void // its files removed for everyone (LGPD requests; admins, or agents when allowed)
}

export function MessageActions({ outgoing, mine, onReply, onReact, onInfo, onForward, sourceUrl, onRemove }: Props) {
  const [picking, setPicking] = useState(false)
  const button = 'flex h-7 w-7 items-center justify-center rounded-full bg-white/90 text-sm text-slate-600 shadow hover:bg-white'
  return (
    <div
      data-testid="message-actions"
      className={`absolute top-1 z-10 flex gap-1 opacity-0 transition-opacity group-focus-within:opacity-100 group-hover:opacity-100 ${
        outgoing ? 'right-full mr-1' : 'left-full ml-1'
      } ${picking ? 'opacity-100' : ''}`}
    >
      <button type="button" className={button} onClick={onReply} aria-label={t.message.reply} title={t.message.reply}>
        ↩
      </button>
      <button type="button" className={button} onClick={() => setPicking((p) => !p)} aria-label={t.message.react} title={t.message.react} aria-expanded={picking}>
        ☺
      </button>
      {onForward && (
        <button type="button" className={button} onClick={onForward} aria-label={t.forward.action} title={t.forward.action}>
          ↪
        </button>
      )}
      {sourceUrl && (
        <a href={downloadUrl(sourceUrl)} download className={button} aria-label={t.message.downloadSource} title={t.message.downloadSource} data-testid="download-source">
          ⤓
        </a>
      )}
      {onRemove && (
        <button type="button" className={button} onClick={onRemove} aria-label={t.message.removeMedia} title={t.message.removeMedia} data-testid="remove-media">
          🗑
        </button>
      )}
      {onInfo && (
        <button type="button" className={button} onClick={onInfo} aria-label={t.message.info} title={t.message.info}>
          ⓘ
        </button>
      )}
      {picking && (
        <div role="menu" className="absolute top-8 flex gap-0.5 rounded-full bg-white px-1.5 py-1 shadow-lg" onKeyDown={(e) => e.key === 'Escape' && setPicking(false)}>
          {QUICK_REACTIONS.map((emoji) => (
            <button
              key={emoji}
              type="button"
              role="menuitem"
              aria-label={emoji}
              className={`h-8 w-8 rounded-full text-lg hover:bg-slate-100 ${mine === emoji ? 'bg-slate-200' : ''}`}
              onClick={() => {
                setPicking(false)
                onReact(mine === emoji ? '' : emoji) // the same emoji again takes it back
              }}
            >
              {emoji}
            </button>
          ))}
        </div>
      )}
    </div>
  )
}
