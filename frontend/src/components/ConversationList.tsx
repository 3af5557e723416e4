import { useEffect, useRef } from 'react'
import { formatListTime, previewText } from '../lib/format'
import { visibleState } from '../lib/status'
import { sortedConversations } from '../state/chat'
import { useChat } from '../state/ChatContext'
import { conversationName } from '../lib/avatar'
import { t } from '../strings'
import { Avatar } from './Avatar'
import { StatusTicks } from './StatusTicks'

interface Props {
  selected: string | null
  onSelect: (id: string) => void
  error: boolean
  onRetry: () => void
}

export function ConversationList({ selected, onSelect, error, onRetry }: Props) {
  const { state, loadOlderConversations } = useChat()
  const conversations = sortedConversations(state)
  const end = useRef<HTMLLIElement>(null)
  const loadMore = useRef(loadOlderConversations)
  loadMore.current = loadOlderConversations

  // The next page loads when the end of the list scrolls into view (the button does it by hand).
  useEffect(() => {
    const sentinel = end.current
    if (!sentinel || typeof IntersectionObserver === 'undefined') return
    const observer = new IntersectionObserver((seen) => seen.some((e) => e.isIntersecting) && void loadMore.current())
    observer.observe(sentinel)
    return () => observer.disconnect()
  }, [state.listOlder])
  if (error && conversations.length === 0) {
    return (
      <div className="p-6 text-center text-sm text-slate-600">
        <p>{t.conversations.loadFailed}</p>
        <button type="button" onClick={onRetry} className="mt-2 rounded bg-slate-200 px-3 py-1">
          {t.chat.tryAgain}
        </button>
      </div>
    )
  }
  if (!state.listLoaded) {
    return (
      <ul className="flex-1 overflow-hidden" aria-busy="true">
        {Array.from({ length: 6 }, (_, i) => (
          <li key={i} className="flex items-center gap-3 px-4 py-3">
            <span className="h-12 w-12 animate-pulse rounded-full bg-slate-200" />
            <span className="h-4 flex-1 animate-pulse rounded bg-slate-200" />
          </li>
        ))}
      </ul>
    )
  }
  if (conversations.length === 0) {
    return <p className="p-6 text-center text-sm text-slate-500">{t.conversations.empty}</p>
  }
  return (
    <nav className="flex-1 overflow-y-auto" aria-label={t.conversations.title}>
      <ul>
        {conversations.map((c) => {
          const last = c.last_message
          const name = conversationName(c, t.conversations.group)
          return (
            <li key={c.id}>
              <button
                type="button"
                onClick={() => onSelect(c.id)}
                aria-current={selected === c.id ? 'true' : undefined}
                data-testid="conversation"
                data-conversation={c.id}
                className={`flex w-full items-center gap-3 px-4 py-3 text-left hover:bg-slate-100 ${selected === c.id ? 'bg-slate-200' : ''}`}
              >
                <Avatar name={name} url={c.avatar_url} colourKey={c.remote_jid} group={c.is_group} />
                <span className="min-w-0 flex-1 border-b border-slate-100 pb-3">
                  <span className="flex items-baseline justify-between gap-2">
                    <span className="truncate font-medium text-slate-900" data-testid="conversation-name">
                      {name}
                    </span>
                    <span className="flex-none text-xs text-slate-500">{formatListTime(c.last_activity_at)}</span>
                  </span>
                  <span className="mt-0.5 flex items-center gap-1 text-sm text-slate-600" data-testid="conversation-preview">
                    {last?.direction === 'out' && <StatusTicks state={visibleState(last)} />}
                    <span className="truncate">{previewText(last)}</span>
                  </span>
                </span>
              </button>
            </li>
          )
        })}
        {state.listOlder && (
          <li ref={end} className="p-3 text-center">
            <button type="button" onClick={() => void loadOlderConversations()} className="rounded-full bg-slate-100 px-3 py-1 text-sm text-slate-600 hover:bg-slate-200">
              {t.conversations.loadMore}
            </button>
          </li>
        )}
      </ul>
    </nav>
  )
}
