import { useCallback, useEffect, useState } from 'react'
import { api, ApiFailure } from '../api/client'
import type { Me, UploadPolicy } from '../api/types'
import { ChatProvider, useChat } from '../state/ChatContext'
import { useChatSocket } from '../hooks/useChatSocket'
import { useSelectedConversation } from '../hooks/useSelectedConversation'
import { guardPageWhileUploading } from '../state/uploads'
import { setTimeZone } from '../lib/format'
import { t } from '../strings'
import { ChatWindow } from './ChatWindow'
import { ConversationList } from './ConversationList'
import { Login } from './Login'

type Session = { kind: 'loading' } | { kind: 'anonymous'; error?: string } | { kind: 'member'; me: Me }

export function App() {
  const [session, setSession] = useState<Session>({ kind: 'loading' })
  const [policy, setPolicy] = useState<UploadPolicy | null>(null)

  const whoAmI = useCallback(async () => {
    try {
      const me = await api.me()
      setTimeZone(me.tenant.time_zone) // every date the web chat shows is in the tenant's zone
      setSession({ kind: 'member', me })
      setPolicy(await api.uploadPolicy())
    } catch (error) {
      const noTenant = error instanceof ApiFailure && error.status === 403 && error.code === 'permission_denied'
      setSession({ kind: 'anonymous', error: noTenant ? t.login.noTenant : undefined })
    }
  }, [])

  useEffect(() => {
    void whoAmI()
  }, [whoAmI])

  if (session.kind === 'loading') return <div className="h-full bg-wa-panel" aria-busy="true" />
  if (session.kind === 'anonymous') return <Login notice={session.error} onLoggedIn={whoAmI} />
  return (
    <ChatProvider policy={policy} mayRemoveMedia={session.me.may_remove_media} isAdmin={session.me.role === 'admin'}>
      <Workspace
        me={session.me}
        onLogout={async () => {
          await api.logout().catch(() => undefined)
          setSession({ kind: 'anonymous' })
        }}
      />
    </ChatProvider>
  )
}

function Workspace({ me, onLogout }: { me: Me; onLogout: () => void }) {
  const { loadConversations, loadMessages, applyEvent, state } = useChat()
  const [selected, select] = useSelectedConversation()
  const [listError, setListError] = useState(false)
  // A search hit to show: its chat opens at that message (`at` makes the same hit twice count).
  const [focus, setFocus] = useState<{ conversation: string; message: string; at: number } | null>(null)

  // The open chat was merged into another (one person under a LID and a phone number): go there.
  const mergedInto = selected ? state.mergedInto[selected] : undefined
  useEffect(() => {
    if (mergedInto) select(mergedInto)
  }, [mergedInto, select])
  // The open chat was erased with its customer's data: nothing left to show.
  const removed = selected ? state.removed[selected] : undefined
  const [erasedShown, setErasedShown] = useState(false)
  useEffect(() => {
    if (!removed) return
    select(null)
    setErasedShown(true)
  }, [removed, select])
  useEffect(() => {
    if (selected) setErasedShown(false)
  }, [selected])

  useEffect(guardPageWhileUploading, [])

  const refresh = useCallback(async () => {
    try {
      await loadConversations()
      setListError(false)
    } catch {
      setListError(true)
    }
  }, [loadConversations])

  useEffect(() => {
    void refresh()
  }, [refresh])

  // Each time the socket opens (the first time too), events may have been missed: fetch the list
  // and the open chat again.
  const catchUp = useCallback(() => {
    void refresh()
    if (selected) void loadMessages(selected).catch(() => undefined)
  }, [refresh, loadMessages, selected])

  const connected = useChatSocket(true, applyEvent, catchUp)

  // The tab says how many chats have something unread, as WhatsApp Web does: "(3) Conversas".
  const unreadChats = Object.values(state.conversations).filter((c) => c.unread_count > 0).length
  useEffect(() => {
    document.title = unreadChats ? `(${unreadChats}) ${t.appTitle}` : t.appTitle
  }, [unreadChats])

  return (
    <div className="flex h-full overflow-hidden bg-wa-panel">
      <aside
        className={`${selected ? 'hidden md:flex' : 'flex'} w-full min-w-0 flex-col border-r border-slate-200 bg-white md:w-[360px] md:flex-none lg:w-[400px]`}
      >
        <header className="flex h-16 flex-none items-center justify-between bg-wa-panel px-4">
          <div className="min-w-0">
            <h1 className="truncate text-lg font-semibold text-slate-800">{t.conversations.title}</h1>
            <p className="truncate text-xs text-slate-500">
              {me.tenant.name} · {me.username}
            </p>
          </div>
          <div className="flex items-center gap-3">
            <span
              className={`inline-flex items-center gap-1 text-xs ${connected ? 'text-emerald-700' : 'text-amber-700'}`}
              data-testid="connection"
              data-connected={connected}
            >
              <span className={`h-2 w-2 rounded-full ${connected ? 'bg-emerald-500' : 'animate-pulse bg-amber-500'}`} />
              {connected ? t.chat.live : t.chat.offline}
            </span>
            <button
              type="button"
              onClick={onLogout}
              className="rounded px-2 py-1 text-sm text-slate-600 hover:bg-slate-200"
            >
              {t.logout}
            </button>
          </div>
        </header>
        <ConversationList
          selected={selected}
          onSelect={select}
          error={listError}
          onRetry={refresh}
          onOpenMessage={(conversation, message) => {
            setFocus({ conversation, message, at: Date.now() })
            select(conversation)
          }}
        />
      </aside>
      <main className={`${selected ? 'flex' : 'hidden md:flex'} min-w-0 flex-1 flex-col`}>
        {selected ? (
          <ChatWindow
            key={selected}
            conversationId={selected}
            onBack={() => select(null)}
            focus={focus?.conversation === selected ? focus : null}
          />
        ) : (
          <div className="flex flex-1 items-center justify-center bg-wa-panel p-8 text-center text-slate-500" role="status" data-testid="no-chat">
            {erasedShown ? t.chat.erased : t.chat.pick}
          </div>
        )}
      </main>
    </div>
  )
}
