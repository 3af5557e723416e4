import { describe, expect, it } from 'vitest'
import type { Attachment, Conversation, Message } from '../api/types'
import { newMessage } from '../test-fixtures'
import { chatReducer, initialChat, orderedMessages, sortedConversations, type ChatState } from './chat'

const attachment = (patch: Partial<Attachment> = {}): Attachment => ({
  id: 'a1',
  status: 'processing',
  category: 'image',
  mime_type: 'image/jpeg',
  size: 100,
  file_name: '',
  error: null,
  metadata: {},
  urls: {},
  ...patch,
})

const message = newMessage
const NO_TIMES = { sent_at: null, delivered_at: null, read_at: null, played_at: null }

const conversation = (id: string, at: string, connection = 'sales'): Conversation => ({
  id,
  connection,
  remote_jid: `${id}@s.whatsapp.net`,
  display_name: id,
  is_group: false,
  avatar_updated_at: null,
  avatar_url: null,
  last_activity_at: at,
  created_at: at,
  last_message: null,
  unread_count: 0,
  agent_read_at: null,
})

const loaded = (messages: Message[]): ChatState =>
  chatReducer(initialChat, { type: 'messages/loaded', conversation: 'c1', messages, older: null, append: false })

describe('chat reducer', () => {
  it('never moves a message status backwards, whatever the order of events', () => {
    let state = loaded([message({ status: 'read' })])
    state = chatReducer(state, {
      type: 'event',
      event: { type: 'message.status', data: { id: 'm1', conversation: 'c1', wa_message_id: 'X', status: 'sent', error: null, ...NO_TIMES } },
    })
    expect(state.threads.c1.byId.m1.status).toBe('read')
    state = chatReducer(state, { type: 'messages/loaded', conversation: 'c1', messages: [message({ status: 'delivered' })], older: null, append: false })
    expect(state.threads.c1.byId.m1.status).toBe('read')
  })

  it('replaces an attachment when it becomes ready, and a stale page does not undo it', () => {
    let state = loaded([message({ attachments: [attachment()] })])
    const ready = attachment({ status: 'ready', urls: { thumb: '/media/a1/thumb' } })
    state = chatReducer(state, { type: 'event', event: { type: 'attachment.ready', data: { conversation: 'c1', message: 'm1', attachment: ready } } })
    expect(state.threads.c1.byId.m1.attachments[0].status).toBe('ready')
    state = chatReducer(state, { type: 'messages/loaded', conversation: 'c1', messages: [message({ attachments: [attachment()] })], older: null, append: false })
    expect(state.threads.c1.byId.m1.attachments[0]).toEqual(ready)
  })

  it('a file removed for everyone replaces the ready one live (attachment.removed)', () => {
    const ready = attachment({ status: 'ready', urls: { original: '/media/a1/original' } })
    let state = loaded([message({ attachments: [ready] })])
    const removed = attachment({ status: 'ready', urls: {}, file_name: '', metadata: { removed: { at: '2026-12-01T10:00:00Z', by: 'Carla', reason: 'request' } } })
    state = chatReducer(state, { type: 'event', event: { type: 'attachment.removed', data: { conversation: 'c1', message: 'm1', attachment: removed } } })
    expect(state.threads.c1.byId.m1.attachments[0].metadata.removed?.by).toBe('Carla')
    expect(state.threads.c1.byId.m1.attachments[0].urls).toEqual({})
  })

  it('orders messages of the same second by arrival', () => {
    const state = loaded([
      message({ id: 'b', created_at: '2026-11-26T10:00:02Z' }),
      message({ id: 'a', created_at: '2026-11-26T10:00:03Z' }),
      message({ id: 'c', timestamp: '2026-11-26T09:59:59Z' }),
    ])
    expect(orderedMessages(state.threads.c1).map((m) => m.id)).toEqual(['c', 'b', 'a'])
  })

  it('adds live messages once and removes deleted ones', () => {
    let state = loaded([])
    const created = { type: 'event' as const, event: { type: 'message.created' as const, data: message({ id: 'm2' }) } }
    state = chatReducer(chatReducer(state, created), created)
    expect(orderedMessages(state.threads.c1).map((m) => m.id)).toEqual(['m2'])
    state = chatReducer(state, { type: 'event', event: { type: 'message.deleted', data: { id: 'm2', conversation: 'c1' } } })
    expect(orderedMessages(state.threads.c1)).toEqual([])
  })

  it('drops an API answer that events overtook (a fast failure stays failed)', () => {
    let state = loaded([])
    const failed = message({ id: 'm3', direction: 'out', status: 'processing' })
    state = chatReducer(state, { type: 'event', event: { type: 'message.created', data: failed } })
    state = chatReducer(state, {
      type: 'event',
      event: { type: 'message.status', data: { id: 'm3', conversation: 'c1', status: 'failed', error: { code: 'evolution_refused', message: 'no' }, wa_message_id: '', ...NO_TIMES } },
    })
    // the answer of the POST that created it arrives last, still saying "processing"
    state = chatReducer(state, { type: 'message/answered', message: failed, before: null })
    expect(state.threads.c1.byId.m3.status).toBe('failed')
    // a retry answered before any event moved it is applied
    state = chatReducer(state, { type: 'message/answered', message: { ...failed, status: 'processing' }, before: 'failed' })
    expect(state.threads.c1.byId.m3.status).toBe('processing')
  })

  it('keeps how far back it loaded when the newest page is fetched again (catch-up)', () => {
    let state = chatReducer(initialChat, { type: 'messages/loaded', conversation: 'c1', messages: [], older: '/page2', append: false })
    state = chatReducer(state, { type: 'messages/loaded', conversation: 'c1', messages: [], older: '/page3', append: true })
    state = chatReducer(state, { type: 'messages/loaded', conversation: 'c1', messages: [], older: '/page2', append: false })
    expect(state.threads.c1.older).toBe('/page3')
  })

  it('pages older conversations in, and a catch-up of the first page keeps them', () => {
    let state = chatReducer(initialChat, { type: 'conversations/loaded', conversations: [conversation('a', '2026-11-26T10:00:00Z')], older: '/p2', append: false })
    state = chatReducer(state, { type: 'conversations/loaded', conversations: [conversation('b', '2026-11-01T10:00:00Z')], older: null, append: true })
    expect(state.listOlder).toBeNull()
    state = chatReducer(state, { type: 'conversations/loaded', conversations: [conversation('a', '2026-11-26T11:00:00Z')], older: '/p2', append: false })
    expect(sortedConversations(state).map((c) => c.id)).toEqual(['a', 'b'])
    expect(state.listOlder).toBeNull()
  })

  it('orders conversations by last activity and updates them live', () => {
    let state = chatReducer(initialChat, {
      type: 'conversations/loaded',
      conversations: [conversation('old', '2026-11-20T10:00:00Z'), conversation('new', '2026-11-26T10:00:00Z')],
      older: null,
      append: false,
    })
    expect(sortedConversations(state).map((c) => c.id)).toEqual(['new', 'old'])
    state = chatReducer(state, { type: 'event', event: { type: 'conversation.updated', data: conversation('old', '2026-11-26T11:00:00Z') } })
    expect(sortedConversations(state).map((c) => c.id)).toEqual(['old', 'new'])
  })

  it('keeps the newest message as the list preview, whatever the order of the events', () => {
    const video = message({ id: 'v', direction: 'in', created_at: '2026-11-26T10:00:01.100000Z', attachments: [attachment({ id: 'av', category: 'video' })] })
    const sticker = message({ id: 's', direction: 'in', created_at: '2026-11-26T10:00:01.200000Z', attachments: [attachment({ id: 'as', category: 'sticker' })] })
    const snapshot = (m: Message) => ({
      ...conversation('c1', m.timestamp),
      last_message: { id: m.id, direction: m.direction, text: '', status: m.status, timestamp: m.timestamp, created_at: m.created_at, attachment: { category: m.attachments[0].category, file_name: '', duration: null }, deleted_at: null },
    })
    let state = chatReducer(initialChat, { type: 'conversations/loaded', conversations: [conversation('c1', '2026-11-26T09:00:00Z')], older: null, append: false })
    state = chatReducer(state, { type: 'event', event: { type: 'message.created', data: video } })
    expect(state.conversations.c1.last_message?.attachment?.category).toBe('video')
    state = chatReducer(state, { type: 'event', event: { type: 'message.created', data: sticker } })
    expect(state.conversations.c1.last_message?.attachment?.category).toBe('sticker')
    // the video's snapshot was taken before the sticker was stored, and is announced last
    state = chatReducer(state, { type: 'event', event: { type: 'conversation.updated', data: snapshot(sticker) } })
    state = chatReducer(state, { type: 'event', event: { type: 'conversation.updated', data: { ...snapshot(video), display_name: 'Renamed' } } })
    expect(state.conversations.c1.last_message?.id).toBe('s')
    expect(state.conversations.c1.display_name).toBe('Renamed')
    // an older message arriving late does not take the preview either
    state = chatReducer(state, { type: 'event', event: { type: 'message.created', data: message({ id: 'o', timestamp: '2026-11-26T09:59:00Z' }) } })
    expect(state.conversations.c1.last_message?.id).toBe('s')
    // a status of the previewed message still shows
    state = chatReducer(state, { type: 'event', event: { type: 'message.status', data: { id: 's', conversation: 'c1', status: 'read', error: null, wa_message_id: '', ...NO_TIMES } } })
    expect(state.conversations.c1.last_message?.status).toBe('read')
  })

  it('shows the message before a deleted one as the list preview', () => {
    let state = chatReducer(initialChat, { type: 'conversations/loaded', conversations: [conversation('c1', '2026-11-26T09:00:00Z')], older: null, append: false })
    state = chatReducer(state, { type: 'messages/loaded', conversation: 'c1', messages: [message({ id: 'first', text: 'oi' })], older: null, append: false })
    state = chatReducer(state, { type: 'event', event: { type: 'message.created', data: message({ id: 'upload', created_at: '2026-11-26T10:00:09Z' }) } })
    expect(state.conversations.c1.last_message?.id).toBe('upload')
    state = chatReducer(state, { type: 'event', event: { type: 'message.deleted', data: { id: 'upload', conversation: 'c1' } } })
    expect(state.conversations.c1.last_message?.text).toBe('oi')
  })
})

describe('what happens to a message after it was sent', () => {
  const loaded = (messages: Message[]) =>
    chatReducer(initialChat, { type: 'messages/loaded', conversation: 'c1', messages, older: null, append: false })

  it('an edit replaces the text, and a stale page does not bring the old one back', () => {
    const original = message({ id: 'm1', text: 'oi', status: 'delivered', direction: 'in' })
    const edited = { ...original, text: 'olá', edited_at: '2026-11-26T10:05:00Z', edits: [{ text: 'oi', at: '2026-11-26T10:00:00Z' }] }
    let state = loaded([original])
    state = chatReducer(state, { type: 'event', event: { type: 'message.edited', data: { id: 'm1', conversation: 'c1', message: edited } } })
    expect(state.threads.c1.byId.m1.text).toBe('olá')
    state = chatReducer(state, { type: 'messages/loaded', conversation: 'c1', messages: [original], older: null, append: false })
    expect(state.threads.c1.byId.m1.text).toBe('olá')
  })

  it('deleted for everyone stays deleted; a dropped send disappears', () => {
    const photo = message({ id: 'm1', direction: 'in', text: 'foto', status: 'delivered' })
    const gone = { ...photo, text: '', deleted_at: '2026-11-26T10:06:00Z' }
    let state = loaded([photo, message({ id: 'm2' })])
    state = chatReducer(state, { type: 'event', event: { type: 'message.deleted', data: { id: 'm1', conversation: 'c1', message: gone } } })
    expect(state.threads.c1.byId.m1.deleted_at).toBe(gone.deleted_at)
    state = chatReducer(state, { type: 'messages/loaded', conversation: 'c1', messages: [photo], older: null, append: false })
    expect(state.threads.c1.byId.m1.deleted_at).toBe(gone.deleted_at)
    state = chatReducer(state, { type: 'event', event: { type: 'message.deleted', data: { id: 'm2', conversation: 'c1' } } })
    expect(state.threads.c1.byId.m2).toBeUndefined()
  })

  it('a merged conversation hands its messages to the one kept and leaves the list', () => {
    let state = chatReducer(initialChat, {
      type: 'conversations/loaded',
      conversations: [conversation('c1', '2026-11-26T09:00:00Z'), conversation('c2', '2026-11-26T09:30:00Z')],
      older: null,
      append: false,
    })
    state = chatReducer(state, { type: 'messages/loaded', conversation: 'c1', messages: [message({ id: 'm1' })], older: null, append: false })
    state = chatReducer(state, { type: 'messages/loaded', conversation: 'c2', messages: [message({ id: 'm2', conversation: 'c2' })], older: null, append: false })
    state = chatReducer(state, { type: 'event', event: { type: 'conversation.merged', data: { id: 'c1', merged: 'c2' } } })
    expect(Object.keys(state.conversations)).toEqual(['c1'])
    expect(Object.keys(state.threads.c1.byId).sort()).toEqual(['m1', 'm2'])
    expect(state.mergedInto).toEqual({ c2: 'c1' })
  })
})

describe('several numbers', () => {
  it('narrows the list to one number and pages per filter; events of the other number wait hidden', () => {
    let state = chatReducer(initialChat, {
      type: 'conversations/loaded',
      conversations: [conversation('a', '2026-01-01T10:00:00Z'), conversation('b', '2026-01-01T11:00:00Z', 'support')],
      older: '/api/conversations/?cursor=x',
      append: false,
    })
    expect(sortedConversations(state).map((c) => c.id)).toEqual(['b', 'a'])
    state = chatReducer(state, { type: 'filter/connection', connection: 'support' })
    expect(state.listLoaded).toBe(false)
    expect(state.listOlder).toBeNull()
    expect(sortedConversations(state).map((c) => c.id)).toEqual(['b'])
    state = chatReducer(state, { type: 'conversations/loaded', conversations: [], older: null, append: false })
    expect(state.listLoaded).toBe(true)
    state = chatReducer(state, {
      type: 'event',
      event: { type: 'conversation.updated', data: conversation('c', '2026-01-01T12:00:00Z') },
    })
    expect(sortedConversations(state).map((c) => c.id)).toEqual(['b'])
    state = chatReducer(state, { type: 'filter/connection', connection: null })
    expect(sortedConversations(state).map((c) => c.id)).toEqual(['c', 'b', 'a'])
  })

  it('an unread count never comes back from a snapshot taken before the chat was read', () => {
    let state = chatReducer(initialChat, { type: 'conversations/loaded', conversations: [{ ...conversation('a', '2026-11-26T10:00:00Z'), unread_count: 3 }], older: null, append: false })
    const read = { ...conversation('a', '2026-11-26T10:00:00Z'), unread_count: 0, agent_read_at: '2026-11-26T10:05:00Z' }
    state = chatReducer(state, { type: 'event', event: { type: 'conversation.updated', data: read } })
    expect(state.conversations.a.unread_count).toBe(0)
    const stale = { ...conversation('a', '2026-11-26T10:00:00Z'), unread_count: 3, agent_read_at: null }
    state = chatReducer(state, { type: 'event', event: { type: 'conversation.updated', data: stale } })
    expect(state.conversations.a.unread_count).toBe(0)
    const newer = { ...conversation('a', '2026-11-26T10:06:00Z'), unread_count: 1, agent_read_at: '2026-11-26T10:05:00Z' }
    state = chatReducer(state, { type: 'event', event: { type: 'conversation.updated', data: newer } })
    expect(state.conversations.a.unread_count).toBe(1) // a message after the read
  })

  it('the times of a message\'s states fill in, whatever order the events come in', () => {
    let state = loaded([message({ status: 'sent', sent_at: '2026-11-26T10:00:02Z' })])
    const read = { ...NO_TIMES, sent_at: '2026-11-26T10:00:02Z', delivered_at: '2026-11-26T10:01:00Z', read_at: '2026-11-26T10:02:00Z' }
    state = chatReducer(state, { type: 'event', event: { type: 'message.status', data: { id: 'm1', conversation: 'c1', wa_message_id: 'X', status: 'read', error: null, ...read } } })
    state = chatReducer(state, { type: 'event', event: { type: 'message.status', data: { id: 'm1', conversation: 'c1', wa_message_id: 'X', status: 'delivered', error: null, ...NO_TIMES } } })
    const m = state.threads.c1.byId.m1
    expect([m.status, m.sent_at, m.delivered_at, m.read_at, m.played_at]).toEqual(['read', read.sent_at, read.delivered_at, read.read_at, null])
  })
})

describe('a file converted for WhatsApp before it is sent', () => {
  it('shows how far the conversion has come until the file is ready', () => {
    const progress = (fraction: number) =>
      ({ type: 'event', event: { type: 'attachment.progress', data: { conversation: 'c1', message: 'm1', attachment: 'a1', phase: 'converting', progress: fraction } } }) as const
    let state = chatReducer(initialChat, progress(0.25))
    state = chatReducer(state, progress(0.5))
    expect(state.conversions).toEqual({ a1: 0.5 })
    const ready = { id: 'a1', status: 'ready', category: 'video', urls: {}, metadata: {} } as unknown as Attachment
    state = chatReducer(state, { type: 'event', event: { type: 'attachment.ready', data: { conversation: 'c1', message: 'm1', attachment: ready } } })
    expect(state.conversions).toEqual({})
  })
})

describe('a customer erased (LGPD)', () => {
  it('takes their chat off the list and ignores a late snapshot of it', () => {
    let state = chatReducer(initialChat, { type: 'conversations/loaded', conversations: [conversation('a', '2026-01-01T10:00:00Z'), conversation('b', '2026-01-01T11:00:00Z')], older: null, append: false })
    state = chatReducer(state, { type: 'event', event: { type: 'conversation.removed', data: { id: 'a' } } })
    expect(Object.keys(state.conversations)).toEqual(['b'])
    expect(state.removed).toEqual({ a: true })
    state = chatReducer(state, { type: 'event', event: { type: 'conversation.updated', data: conversation('a', '2026-01-01T12:00:00Z') } })
    expect(Object.keys(state.conversations)).toEqual(['b'])
  })
})
