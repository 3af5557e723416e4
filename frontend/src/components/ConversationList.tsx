import { useEffect, useRef, useState } from 'react'
import { formatListTime, previewText } from '../lib/format'
import { visibleState } from '../lib/status'
import { sortedConversations } from '../state/chat'
import { useChat } from '../state/ChatContext'
import { conversationName } from '../lib/avatar'
import { t } from '../strings'
import { Avatar } from './Avatar'
import { SearchResults, useSearch } from './SearchResults'
import { StatusTicks } from './StatusTicks'

interface Props {
  selected: string | null
  onSelect: (id: string) => void
  error: boolean
  onRetry: () => void
  onOpenMessage: (conversation: string, message: string) => void // a search hit
}

export function ConversationList({ selected, onSelect, error, onRetry, onOpenMessage }: Props) {
  const { state, loadOlderConversations, connections, filterConnection } = useChat()
  const [query, setQuery] = useState('')
  const found = useSearch(query)
  const conversations = sortedConversations(state)
  const several = connections.length > 1
  const numberName = (id: string) => connections.find((c) => c.id === id)?.name ?? ''
  const searchBox = (
    <div className="flex-none border-b border-slate-200 bg-white px-3 py-2">
      <input
        type="search"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && setQuery('')}
        placeholder={t.search.all}
        aria-label={t.search.all}
        className="w-full rounded-lg bg-slate-100 px-3 py-1.5 text-sm focus:bg-white focus:outline focus:outline-wa-green"
        data-testid="search-all"
      />
    </div>
  )
  const picker = several && (
    <label className="flex flex-none items-center gap-2 border-b border-slate-200 bg-white px-4 py-2 text-sm text-slate-600">
      <span className="sr-only">{t.conversations.number}</span>
      <select
        data-testid="connection-filter"
        value={state.connectionFilter ?? ''}
        onChange={(e) => filterConnection(e.target.value || null)}
        className="w-full rounded border border-slate-300 bg-white px-2 py-1"
      >
        <option value="">{t.conversations.allNumbers}</option>
        {connections.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
            {c.phone ? ` · +${c.phone}` : ''}
          </option>
        ))}
      </select>
    </label>
  )
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
  if (found.active) {
    return (
      <>
        {searchBox}
        <div className="flex-1 overflow-y-auto">
          <SearchResults hits={found.hits} error={found.error} showChat onOpen={(hit) => onOpenMessage(hit.conversation, hit.message)} />
        </div>
      </>
    )
  }
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
      <>
        {searchBox}
        {picker}
        <ul className="flex-1 overflow-hidden" aria-busy="true">
        {Array.from({ length: 6 }, (_, i) => (
          <li key={i} className="flex items-center gap-3 px-4 py-3">
            <span className="h-12 w-12 animate-pulse rounded-full bg-slate-200" />
            <span className="h-4 flex-1 animate-pulse rounded bg-slate-200" />
          </li>
        ))}
        </ul>
      </>
    )
  }
  if (conversations.length === 0) {
    return (
      <>
        {searchBox}
        {picker}
        <p className="p-6 text-center text-sm text-slate-500">{t.conversations.empty}</p>
      </>
    )
  }
  return (
    <>
    {searchBox}
    {picker}
    <nav className="flex-1 overflow-y-auto" aria-label={t.conversations.title}>
      <ul>
        {conversations.map((c) => {
          const last = c.last_message
          const name = conversationName(c, t.conversations.group)
          const unread = c.unread_count > 0
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
                    <span className={`truncate text-slate-900 ${unread ? 'font-semibold' : 'font-medium'}`} data-testid="conversation-name">
                      {name}
                    </span>
                    <span className={`flex-none text-xs ${unread ? 'font-medium text-wa-green' : 'text-slate-500'}`}>{formatListTime(c.last_activity_at)}</span>
                  </span>
                  {several && (
                    <span className="mt-0.5 block truncate text-xs text-emerald-700" data-testid="conversation-number">
                      {numberName(c.connection)}
                    </span>
                  )}
                  <span className="mt-0.5 flex items-center gap-1 text-sm text-slate-600" data-testid="conversation-preview">
                    {last?.direction === 'out' && <StatusTicks state={visibleState(last)} />}
                    <span className="min-w-0 flex-1 truncate">{previewText(last)}</span>
                    {unread && (
                      <span
                        className="flex h-5 min-w-5 flex-none items-center justify-center rounded-full bg-wa-green px-1.5 text-xs font-semibold text-white"
                        data-testid="unread-count"
                        aria-label={t.conversations.unread(c.unread_count)}
                      >
                        {c.unread_count > 99 ? '99+' : c.unread_count}
                      </span>
                    )}
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
    </>
  )
}
