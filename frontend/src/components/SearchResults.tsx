// Search as the agent types (GET /api/search/, debounced): across the tenant's chats in the list,
// or in one chat. Each hit shows the chat, the time and the words around the match, the match
// marked — drawn as text, never as HTML. A click opens the chat at that message.
import { useEffect, useState } from 'react'
import { api, ApiFailure } from '../api/client'
import type { SearchHit } from '../api/types'
import { formatListTime } from '../lib/format'
import { errorText, t } from '../strings'

const DEBOUNCE_MS = 300
const MIN_CHARS = 2

export function useSearch(query: string, conversation?: string | null) {
  const [hits, setHits] = useState<SearchHit[] | null>(null)
  const [error, setError] = useState('')
  useEffect(() => {
    const q = query.trim()
    if (q.length < MIN_CHARS) {
      setHits(null)
      setError('')
      return
    }
    let live = true
    const timer = window.setTimeout(() => {
      api.search(q, conversation).then(
        (found) => {
          if (!live) return
          setHits(found)
          setError('')
        },
        (failure) => live && setError(failure instanceof ApiFailure ? errorText(failure, t.search.failed) : t.search.failed),
      )
    }, DEBOUNCE_MS)
    return () => {
      live = false
      window.clearTimeout(timer)
    }
  }, [query, conversation])
  return { hits, error, active: query.trim().length >= MIN_CHARS }
}

export function SearchResults({ hits, error, showChat, onOpen }: { hits: SearchHit[] | null; error: string; showChat: boolean; onOpen: (hit: SearchHit) => void }) {
  if (error) return <p className="p-4 text-center text-sm text-red-700">{error}</p>
  if (hits === null) return <p className="p-4 text-center text-sm text-slate-500">{t.search.searching}</p>
  if (hits.length === 0) return <p className="p-4 text-center text-sm text-slate-500">{t.search.none}</p>
  return (
    <ul className="divide-y divide-slate-100" data-testid="search-results">
      {hits.map((hit) => (
        <li key={hit.message}>
          <button type="button" onClick={() => onOpen(hit)} className="block w-full px-4 py-2 text-left hover:bg-slate-50" data-testid="search-hit">
            <span className="flex items-baseline justify-between gap-2">
              <span className="truncate text-sm font-medium text-slate-800">{showChat ? hit.conversation_name : hit.author_name || hit.conversation_name}</span>
              <span className="flex-none text-xs text-slate-500">{formatListTime(hit.timestamp)}</span>
            </span>
            <span className="line-clamp-2 text-sm text-slate-600">
              {hit.snippet.map((part, i) =>
                part.match ? (
                  <mark key={i} className="rounded bg-amber-200 px-0.5 text-slate-900" data-testid="search-match">
                    {part.text}
                  </mark>
                ) : (
                  <span key={i}>{part.text}</span>
                ),
              )}
            </span>
          </button>
        </li>
      ))}
    </ul>
  )
}
