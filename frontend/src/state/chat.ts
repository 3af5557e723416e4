// Server state of the chat (conversations, messages) as one pure reducer, fed by REST pages and by
// /ws/chat/ events in any order: upserts are idempotent, statuses only move forward.
import type { Attachment, ChatEvent, Conversation, LastMessage, Message, MessageStatus } from '../api/types'
import { mergeStatus } from '../lib/status'

export interface Thread {
  byId: Record<string, Message>
  loaded: boolean
  older: string | null // cursor of the next older page
}

export interface ChatState {
  conversations: Record<string, Conversation>
  listLoaded: boolean
  listOlder: string | null // cursor of the next page of older conversations
  threads: Record<string, Thread>
  // Conversations merged into another (a LID and a phone number of one person): gone id -> kept id.
  mergedInto: Record<string, string>
  // Conversations erased with their customer's data (LGPD): gone for good; a late event is ignored.
  removed: Record<string, true>
  // Only the chats on this number of ours (null: every number). The list pages are per filter.
  connectionFilter: string | null
  // Files being converted for WhatsApp before they are sent: attachment id -> fraction done.
  conversions: Record<string, number>
}

export const initialChat: ChatState = {
  conversations: {},
  listLoaded: false,
  listOlder: null,
  threads: {},
  mergedInto: {},
  removed: {},
  connectionFilter: null,
  conversions: {},
}

export type ChatAction =
  | { type: 'conversations/loaded'; conversations: Conversation[]; older: string | null; append: boolean }
  | { type: 'messages/loaded'; conversation: string; messages: Message[]; older: string | null; append: boolean }
  | { type: 'message/upserted'; message: Message }
  // The API's answer to an action (send, retry) taken when the message had status `before` (null:
  // it did not exist yet). Events can overtake the answer: if one moved the message since, the
  // answer is older news and is dropped (a fast "failed" must not go back to "processing").
  | { type: 'message/answered'; message: Message; before: MessageStatus | null }
  | { type: 'attachment/replaced'; conversation: string; message: string; attachment: Attachment }
  | { type: 'event'; event: ChatEvent }
  | { type: 'filter/connection'; connection: string | null }

const emptyThread: Thread = { byId: {}, loaded: false, older: null }

function mergeMessage(old: Message | undefined, incoming: Message): Message {
  if (!old) return incoming
  // Deleted for everyone stays deleted; a newer edit is not undone by a stale REST page.
  if (old.deleted_at && !incoming.deleted_at) return old
  const attachments = incoming.attachments.map((a) => {
    const before = old.attachments.find((b) => b.id === a.id)
    // A stale REST page must not undo a newer "ready"/"failed" from an event.
    return before && isFinal(before) && !isFinal(a) ? before : a
  })
  const staleEdit = !!old.edited_at && (!incoming.edited_at || incoming.edited_at < old.edited_at)
  const text = staleEdit ? { text: old.text, edited_at: old.edited_at, edits: old.edits } : {}
  return { ...incoming, ...text, attachments, status: mergeStatus(old.status, incoming.status), error: pickError(old, incoming) }
}

function pickError(old: Message, incoming: Message) {
  return mergeStatus(old.status, incoming.status) === old.status && old.status !== incoming.status ? old.error : incoming.error
}

const isFinal = (a: Attachment) => a.status === 'ready' || a.status === 'failed'

function withMessage(state: ChatState, message: Message): ChatState {
  const thread = state.threads[message.conversation] ?? emptyThread
  const merged = mergeMessage(thread.byId[message.id], message)
  return {
    ...state,
    threads: { ...state.threads, [message.conversation]: { ...thread, byId: { ...thread.byId, [message.id]: merged } } },
  }
}

function patchMessage(state: ChatState, conversation: string, id: string, patch: (m: Message) => Message): ChatState {
  const thread = state.threads[conversation]
  let next = state
  if (thread?.byId[id]) {
    next = {
      ...state,
      threads: { ...state.threads, [conversation]: { ...thread, byId: { ...thread.byId, [id]: patch(thread.byId[id]) } } },
    }
  }
  return next
}

type Ordered = Pick<Message, 'id' | 'timestamp' | 'created_at'>

/** The server's order (NEWEST_FIRST reversed): WhatsApp's one-second timestamp, then arrival, then id. */
function compareMessages(a: Ordered, b: Ordered): number {
  return a.timestamp.localeCompare(b.timestamp) || (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id)
}

function later(a: string | null, b: string | null): string | null {
  if (!a || !b) return a ?? b
  return a.localeCompare(b) >= 0 ? a : b
}

/** What the conversation list shows of a message (the server's LastMessageSerializer). */
export function previewOf(m: Message): LastMessage {
  const first = m.attachments[0]
  return {
    id: m.id,
    direction: m.direction,
    text: m.text,
    status: m.status,
    timestamp: m.timestamp,
    created_at: m.created_at,
    attachment:
      first && !m.deleted_at ? { category: first.category, file_name: first.file_name, duration: first.metadata.duration ?? null } : null,
    deleted_at: m.deleted_at,
  }
}

/** A conversation.updated snapshot is taken when its sender committed; another message of the
 * same chat may have been committed and announced since. The list never goes back to an older
 * last message, nor an earlier activity time. */
function mergeConversation(old: Conversation | undefined, incoming: Conversation): Conversation {
  if (!old) return incoming
  const a = old.last_message
  const b = incoming.last_message
  let last = b
  if (a && b && a.id === b.id) last = { ...b, status: mergeStatus(a.status, b.status) }
  else if (a && (!b || compareMessages(a, b) > 0)) last = a
  // An older snapshot (taken before the chat was read) never brings an unread count back.
  const stale = !!old.agent_read_at && (!incoming.agent_read_at || incoming.agent_read_at < old.agent_read_at)
  const read = stale ? { agent_read_at: old.agent_read_at, unread_count: Math.min(old.unread_count, incoming.unread_count) } : {}
  return { ...incoming, ...read, last_message: last, last_activity_at: later(old.last_activity_at, incoming.last_activity_at) }
}

/** A new message becomes the list's preview when it is the newest of its chat. */
function previewNewMessage(state: ChatState, message: Message): ChatState {
  const conversation = state.conversations[message.conversation]
  if (!conversation) return state
  const last = conversation.last_message
  if (last && (last.id === message.id || compareMessages(last, message) > 0)) return state
  const updated = { ...conversation, last_message: previewOf(message), last_activity_at: later(conversation.last_activity_at, message.timestamp) }
  return { ...state, conversations: { ...state.conversations, [conversation.id]: updated } }
}

/** The list's preview was the deleted message: show the newest one left (the server's next
 * conversation.updated, or the next page load, confirms it). */
function previewAfterDelete(state: ChatState, conversationId: string, id: string): ChatState {
  const conversation = state.conversations[conversationId]
  if (conversation?.last_message?.id !== id) return state
  const left = orderedMessages(state.threads[conversationId]).filter((m) => m.id !== id)
  const newest = left.length ? previewOf(left[left.length - 1]) : null
  return { ...state, conversations: { ...state.conversations, [conversationId]: { ...conversation, last_message: newest } } }
}

/** The list's preview is this message: show what it says now (edited, deleted). */
function previewChanged(state: ChatState, message: Message): ChatState {
  const conversation = state.conversations[message.conversation]
  if (conversation?.last_message?.id !== message.id) return state
  const last = { ...previewOf(message), status: mergeStatus(conversation.last_message.status, message.status) }
  return { ...state, conversations: { ...state.conversations, [conversation.id]: { ...conversation, last_message: last } } }
}

/** `gone` was the same person as `kept`: its messages move there and it leaves the list. */
function mergeConversations(state: ChatState, gone: string, kept: string): ChatState {
  const conversations = { ...state.conversations }
  const threads = { ...state.threads }
  const moved = Object.values(threads[gone]?.byId ?? {})
  delete conversations[gone]
  delete threads[gone]
  let next: ChatState = { ...state, conversations, threads, mergedInto: { ...state.mergedInto, [gone]: kept } }
  if (threads[kept]) for (const message of moved) next = withMessage(next, { ...message, conversation: kept })
  return next
}

function patchPreviewStatus(state: ChatState, event: Extract<ChatEvent, { type: 'message.status' }>): ChatState {
  const conversation = state.conversations[event.data.conversation]
  const last = conversation?.last_message
  if (!last || last.id !== event.data.id) return state
  const status = mergeStatus(last.status, event.data.status)
  return {
    ...state,
    conversations: { ...state.conversations, [conversation.id]: { ...conversation, last_message: { ...last, status } } },
  }
}

function replaceAttachment(state: ChatState, conversation: string, message: string, attachment: Attachment): ChatState {
  return patchMessage(state, conversation, message, (m) => ({
    ...m,
    attachments: m.attachments.some((a) => a.id === attachment.id)
      ? m.attachments.map((a) => (a.id === attachment.id ? attachment : a))
      : [...m.attachments, attachment],
  }))
}

function applyEvent(state: ChatState, event: ChatEvent): ChatState {
  switch (event.type) {
    case 'conversation.updated':
      if (state.mergedInto[event.data.id] || state.removed[event.data.id]) return state // merged away, or erased
      return {
        ...state,
        conversations: { ...state.conversations, [event.data.id]: mergeConversation(state.conversations[event.data.id], event.data) },
      }
    case 'message.created': {
      const kept = state.mergedInto[event.data.conversation]
      const message = kept ? { ...event.data, conversation: kept } : event.data
      return previewNewMessage(withMessage(state, message), message)
    }
    case 'message.status': {
      const { id, conversation, status, error, wa_message_id } = event.data
      const next = patchMessage(state, conversation, id, (m) => {
        const merged = mergeStatus(m.status, status)
        // The times of the states only fill in (a late `sent` event carries fewer).
        const times = {
          sent_at: m.sent_at ?? event.data.sent_at ?? null,
          delivered_at: m.delivered_at ?? event.data.delivered_at ?? null,
          read_at: m.read_at ?? event.data.read_at ?? null,
          played_at: m.played_at ?? event.data.played_at ?? null,
        }
        const same = merged === m.status && (Object.keys(times) as (keyof typeof times)[]).every((k) => times[k] === m[k])
        if (same) return m
        return merged === m.status ? { ...m, ...times } : { ...m, ...times, status: merged, error, wa_message_id: wa_message_id || m.wa_message_id }
      })
      return patchPreviewStatus(next, event)
    }
    case 'message.deleted': {
      if (event.data.message) return previewChanged(withMessage(state, event.data.message), event.data.message)
      const next = previewAfterDelete(state, event.data.conversation, event.data.id)
      const thread = next.threads[event.data.conversation]
      if (!thread?.byId[event.data.id]) return next
      const byId = { ...thread.byId }
      delete byId[event.data.id]
      return { ...next, threads: { ...next.threads, [event.data.conversation]: { ...thread, byId } } }
    }
    case 'message.edited':
    case 'message.reactions':
    case 'message.updated':
      return previewChanged(withMessage(state, event.data.message), event.data.message)
    case 'conversation.merged':
      return mergeConversations(state, event.data.merged, event.data.id)
    case 'conversation.removed': {
      const conversations = { ...state.conversations }
      const threads = { ...state.threads }
      delete conversations[event.data.id]
      delete threads[event.data.id]
      return { ...state, conversations, threads, removed: { ...state.removed, [event.data.id]: true } }
    }
    case 'attachment.ready':
    case 'attachment.failed':
    case 'attachment.removed': {
      const { conversation, message, attachment } = event.data
      const conversions = { ...state.conversions }
      delete conversions[attachment.id]
      const next = { ...state, conversions }
      return message ? replaceAttachment(next, conversation, message, attachment) : next
    }
    case 'attachment.progress':
      return { ...state, conversions: { ...state.conversions, [event.data.attachment]: event.data.progress } }
    default:
      return state
  }
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case 'filter/connection':
      // The first page of the new filter comes next; what is known stays (events keep it fresh).
      if (action.connection === state.connectionFilter) return state
      return { ...state, connectionFilter: action.connection, listLoaded: false, listOlder: null }
    case 'conversations/loaded': {
      // Merged, never replaced: loading the first page again (catch-up) keeps older pages.
      const conversations = { ...state.conversations }
      for (const c of action.conversations) conversations[c.id] = c
      const older = action.append || !state.listLoaded ? action.older : state.listOlder
      return { ...state, conversations, listLoaded: true, listOlder: older }
    }
    case 'messages/loaded': {
      const old = state.threads[action.conversation] ?? emptyThread
      let next: ChatState = {
        ...state,
        threads: {
          ...state.threads,
          [action.conversation]: {
            byId: old.byId,
            loaded: true,
            // Loading the newest page again (catch-up) keeps how far back we already were.
            older: action.append || !old.loaded ? action.older : old.older,
          },
        },
      }
      for (const message of action.messages) next = withMessage(next, message)
      return next
    }
    case 'message/upserted':
      return withMessage(state, action.message)
    case 'message/answered': {
      const current = state.threads[action.message.conversation]?.byId[action.message.id]
      if (current && current.status !== action.before) return state
      return withMessage(state, action.message)
    }
    case 'attachment/replaced':
      return replaceAttachment(state, action.conversation, action.message, action.attachment)
    case 'event':
      return applyEvent(state, action.event)
  }
}

/** Conversations, most recent activity first. */
export function sortedConversations(state: ChatState): Conversation[] {
  const filter = state.connectionFilter
  const shown = Object.values(state.conversations).filter((c) => !filter || c.connection === filter)
  return shown.sort((a, b) =>
    (b.last_activity_at ?? b.created_at).localeCompare(a.last_activity_at ?? a.created_at),
  )
}

/** Messages of a thread, oldest first (the order they are drawn). */
export function orderedMessages(thread: Thread | undefined): Message[] {
  if (!thread) return []
  return Object.values(thread.byId).sort(compareMessages)
}
