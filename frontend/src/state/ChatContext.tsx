// Server state for the components: the chat reducer plus the actions that talk to the API.
import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useState, type ReactNode } from 'react'
import { api, samePath } from '../api/client'
import type { ChatEvent, Connection, UploadPolicy } from '../api/types'
import { chatReducer, initialChat, type ChatState } from './chat'

interface ChatApi {
  state: ChatState
  policy: UploadPolicy | null
  // The tenant's WhatsApp numbers; with more than one the list can be narrowed to one of them.
  connections: Connection[]
  filterConnection: (connection: string | null) => void
  loadConversations: () => Promise<void>
  loadOlderConversations: () => Promise<void>
  loadMessages: (conversation: string) => Promise<void>
  loadOlder: (conversation: string) => Promise<void>
  applyEvent: (event: ChatEvent) => void
  sendText: (conversation: string, text: string, replyTo?: string | null) => Promise<void>
  react: (message: string, emoji: string) => Promise<void>
  openViewOnce: (message: string) => Promise<void>
  // The team has seen this chat (it is open and the tab visible): its unread count goes to 0.
  markRead: (conversation: string) => Promise<void>
  // The message the composer is answering, per conversation (set by "Responder", cleared on send).
  replyTo: Record<string, string | null>
  setReplyTo: (conversation: string, message: string | null) => void
  retryMessage: (id: string) => Promise<void>
  retryAttachment: (conversation: string, messageId: string, attachmentId: string) => Promise<void>
  // Whether this agent may remove files for everyone (GET /api/me/), and doing it to a message's files.
  mayRemoveMedia: boolean
  removeMedia: (message: string) => Promise<void>
  // A tenant admin: answers a customer's data requests (export, erasure) and reads the audit log.
  isAdmin: boolean
}

const Context = createContext<ChatApi | null>(null)

export function ChatProvider({
  policy,
  mayRemoveMedia = false,
  isAdmin = false,
  children,
}: {
  policy: UploadPolicy | null
  mayRemoveMedia?: boolean
  isAdmin?: boolean
  children: ReactNode
}) {
  const [state, dispatch] = useReducer(chatReducer, initialChat)

  const [connections, setConnections] = useState<Connection[]>([])
  useEffect(() => {
    api.connections().then(setConnections, () => setConnections([]))
  }, [])
  const filterConnection = useCallback((connection: string | null) => {
    dispatch({ type: 'filter/connection', connection })
  }, [])

  const filter = state.connectionFilter
  const loadConversations = useCallback(async () => {
    const page = await api.conversations(null, filter)
    dispatch({ type: 'conversations/loaded', conversations: page.results, older: samePath(page.next), append: false })
  }, [filter])

  const loadOlderConversations = useCallback(async () => {
    if (!state.listOlder) return
    const page = await api.conversations(state.listOlder)
    dispatch({ type: 'conversations/loaded', conversations: page.results, older: samePath(page.next), append: true })
  }, [state.listOlder])

  const loadMessages = useCallback(async (conversation: string) => {
    const page = await api.messages(conversation)
    dispatch({ type: 'messages/loaded', conversation, messages: page.results, older: samePath(page.next), append: false })
  }, [])

  const loadOlder = useCallback(
    async (conversation: string) => {
      const cursor = state.threads[conversation]?.older
      if (!cursor) return
      const page = await api.messages(conversation, cursor)
      dispatch({ type: 'messages/loaded', conversation, messages: page.results, older: samePath(page.next), append: true })
    },
    [state.threads],
  )

  const applyEvent = useCallback((event: ChatEvent) => dispatch({ type: 'event', event }), [])

  const sendText = useCallback(async (conversation: string, text: string, replyTo: string | null = null) => {
    const message = await api.sendText(conversation, text, replyTo)
    dispatch({ type: 'message/answered', message, before: null })
  }, [])

  const react = useCallback(async (id: string, emoji: string) => {
    const message = await api.react(id, emoji)
    dispatch({ type: 'message/upserted', message })
  }, [])

  const markRead = useCallback(async (conversation: string) => {
    const updated = await api.markRead(conversation)
    dispatch({ type: 'event', event: { type: 'conversation.updated', data: updated } })
  }, [])

  const openViewOnce = useCallback(async (id: string) => {
    const message = await api.openViewOnce(id)
    dispatch({ type: 'message/upserted', message })
  }, [])

  const [replyTo, setReplies] = useState<Record<string, string | null>>({})
  const setReplyTo = useCallback(
    (conversation: string, message: string | null) => setReplies((current) => ({ ...current, [conversation]: message })),
    [],
  )

  const retryMessage = useCallback(
    async (id: string) => {
      const before = Object.values(state.threads).find((t) => t.byId[id])?.byId[id]?.status ?? null
      const message = await api.retryMessage(id)
      dispatch({ type: 'message/answered', message, before })
    },
    [state.threads],
  )

  const retryAttachment = useCallback(
    async (conversation: string, messageId: string, attachmentId: string) => {
      const answer = await api.retryAttachment(attachmentId)
      const attachment = state.threads[conversation]?.byId[messageId]?.attachments.find((a) => a.id === attachmentId)
      if (answer.status === 'pending' && attachment) {
        dispatch({
          type: 'attachment/replaced',
          conversation,
          message: messageId,
          attachment: { ...attachment, status: 'pending', error: null },
        })
      }
    },
    [state.threads],
  )

  const removeMedia = useCallback(async (id: string) => {
    const message = await api.removeMessageMedia(id)
    dispatch({ type: 'message/answered', message, before: message.status })
  }, [])

  const value = useMemo(
    () => ({
      state,
      policy,
      connections,
      filterConnection,
      loadConversations,
      loadOlderConversations,
      loadMessages,
      loadOlder,
      applyEvent,
      sendText,
      react,
      openViewOnce,
      markRead,
      replyTo,
      setReplyTo,
      retryMessage,
      retryAttachment,
      mayRemoveMedia,
      removeMedia,
      isAdmin,
    }),
    [state, policy, connections, filterConnection, loadConversations, loadOlderConversations, loadMessages, loadOlder, applyEvent, sendText, react, openViewOnce, markRead, replyTo, setReplyTo, retryMessage, retryAttachment, mayRemoveMedia, removeMedia, isAdmin],
  )
  return <Context.Provider value={value}>{children}</Context.Provider>
}

export function useChat(): ChatApi {
  const value = useContext(Context)
  if (!value) throw new Error('useChat outside ChatProvider')
  return value
}
