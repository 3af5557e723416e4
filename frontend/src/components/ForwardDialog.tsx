// Forward messages to other chats of the tenant (any number): pick up to five, as WhatsApp allows;
// the files are not uploaded again (POST /api/messages/forward/, chat.forward).
import { useEffect, useMemo, useState } from 'react'
import { api, ApiFailure } from '../api/client'
import { conversationName } from '../lib/avatar'
import { sortedConversations } from '../state/chat'
import { useChat } from '../state/ChatContext'
import { errorText, t } from '../strings'
import { Avatar } from './Avatar'

export const FORWARD_MAX_CHATS = 5 // the server's FORWARD_MAX_CONVERSATIONS default (WhatsApp's own)

interface Props {
  messageIds: string[]
  from: string // the chat they come from (listed too: forwarding to itself is allowed but last)
  onClose: (done?: string) => void
}

export function ForwardDialog({ messageIds, from, onClose }: Props) {
  const { state, connections } = useChat()
  const [query, setQuery] = useState('')
  const [picked, setPicked] = useState<string[]>([])
  const [sending, setSending] = useState(false)
  const [error, setError] = useState('')
  const chats = useMemo(() => {
    const all = sortedConversations({ ...state, connectionFilter: null })
    const q = query.trim().toLowerCase()
    const names = all.map((c) => ({ c, name: conversationName(c, t.conversations.group) }))
    return names.filter(({ c, name }) => !q || name.toLowerCase().includes(q) || c.remote_jid.includes(q)).sort((a, b) => Number(a.c.id === from) - Number(b.c.id === from))
  }, [state, query, from])

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose()
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onClose])

  const toggle = (id: string) =>
    setPicked((current) => (current.includes(id) ? current.filter((c) => c !== id) : current.length < FORWARD_MAX_CHATS ? [...current, id] : current))

  const send = async () => {
    setSending(true)
    setError('')
    try {
      await api.forward(messageIds, picked)
      onClose(t.forward.done(picked.length))
    } catch (failure) {
      setError(failure instanceof ApiFailure ? errorText(failure, t.forward.failed) : t.forward.failed)
      setSending(false)
    }
  }

  return (
    <div className="fixed inset-0 z-40 flex items-center justify-center bg-black/40 p-4" role="dialog" aria-label={t.forward.title(messageIds.length)} data-testid="forward-dialog">
      <div className="flex max-h-[80vh] w-full max-w-md flex-col rounded-lg bg-white shadow-xl">
        <header className="border-b border-slate-200 p-3">
          <h3 className="font-medium text-slate-800">{t.forward.title(messageIds.length)}</h3>
          <p className="text-xs text-slate-500">{t.forward.pick(FORWARD_MAX_CHATS)}</p>
          <input
            type="search"
            autoFocus
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder={t.forward.search}
            aria-label={t.forward.search}
            className="mt-2 w-full rounded border border-slate-200 px-2 py-1.5 text-sm focus:border-wa-green focus:outline-none"
          />
        </header>
        <ul className="min-h-0 flex-1 overflow-y-auto">
          {chats.map(({ c, name }) => {
            const on = picked.includes(c.id)
            return (
              <li key={c.id}>
                <label className={`flex cursor-pointer items-center gap-3 px-3 py-2 hover:bg-slate-50 ${!on && picked.length >= FORWARD_MAX_CHATS ? 'opacity-50' : ''}`} data-testid="forward-target">
                  <input type="checkbox" checked={on} onChange={() => toggle(c.id)} className="h-4 w-4" aria-label={name} />
                  <Avatar name={name} url={c.avatar_url} colourKey={c.remote_jid} group={c.is_group} size={32} />
                  <span className="min-w-0 flex-1">
                    <span className="block truncate text-sm text-slate-800">{name}</span>
                    {connections.length > 1 && (
                      <span className="block truncate text-xs text-emerald-700">{connections.find((n) => n.id === c.connection)?.name}</span>
                    )}
                  </span>
                </label>
              </li>
            )
          })}
        </ul>
        {error && (
          <p role="alert" className="px-3 py-1 text-sm text-red-700">
            {error}
          </p>
        )}
        <footer className="flex justify-end gap-2 border-t border-slate-200 p-3">
          <button type="button" onClick={() => onClose()} className="rounded px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100">
            {t.forward.cancel}
          </button>
          <button type="button" onClick={() => void send()} disabled={!picked.length || sending} className="rounded-full bg-wa-green px-4 py-1.5 text-sm font-medium text-white disabled:opacity-50" data-testid="forward-send">
            {t.forward.send} {picked.length ? `(${picked.length})` : ''}
          </button>
        </footer>
      </div>
    </div>
  )
}
