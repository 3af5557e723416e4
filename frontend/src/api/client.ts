// The one place that talks HTTP to chatmedia: session cookie + CSRF header, JSON errors as ApiFailure.
import { t } from '../strings'
import type { AuditEvent, Connection, Conversation, Erasure, GalleryItem, GalleryTab, Me, Message, Page, QuickReply, SearchHit, StartedUpload, UploadPolicy } from './types'

// Conversations per page of the list; more load as the agent scrolls to the end.
export const CONVERSATIONS_PAGE = 50

export class ApiFailure extends Error {
  status: number
  code: string
  retryAfterSeconds: number | null
  constructor(status: number, code: string, message: string, retryAfterSeconds: number | null = null) {
    super(message)
    this.status = status
    this.code = code
    this.retryAfterSeconds = retryAfterSeconds
  }
}

export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/)
  return match ? decodeURIComponent(match[1]) : ''
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  const form = body instanceof FormData
  if (body !== undefined && !form) headers['Content-Type'] = 'application/json'
  if (method !== 'GET') headers['X-CSRFToken'] = csrfToken()
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : form ? body : JSON.stringify(body),
    })
  } catch {
    throw new ApiFailure(0, 'network', t.errors.network)
  }
  if (response.status === 204) return undefined as T
  const data = await response.json().catch(() => null)
  if (!response.ok) {
    const error = data?.error ?? {}
    const retryAfter = Number(response.headers.get('Retry-After'))
    throw new ApiFailure(
      response.status,
      error.code ?? 'http_' + response.status,
      error.message ?? response.statusText,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    )
  }
  return data as T
}

export const api = {
  me: () => request<Me>('GET', '/api/me/'),
  // A customer's data (tenant admins): a link to its export, its erasure and how that goes, the audit log.
  exportLink: (phone: string) => request<{ url: string; expires_at: string }>('POST', '/api/exports/', { phone }),
  erase: (phone: string) => request<Erasure>('POST', '/api/erasures/', { phone }),
  erasure: (id: string) => request<Erasure>('GET', `/api/erasures/${id}/`),
  auditLog: (conversation: string, cursor?: string | null) =>
    request<Page<AuditEvent>>('GET', cursor ?? `/api/audit-log/?conversation=${encodeURIComponent(conversation)}&page_size=50`),
  login: (username: string, password: string) => request<void>('POST', '/api/session/', { username, password }),
  logout: () => request<void>('DELETE', '/api/session/'),
  connections: () => request<Connection[]>('GET', '/api/connections/'),
  conversations: (cursor?: string | null, connection?: string | null) =>
    request<Page<Conversation>>(
      'GET',
      cursor ?? `/api/conversations/?page_size=${CONVERSATIONS_PAGE}${connection ? `&connection=${encodeURIComponent(connection)}` : ''}`,
    ),
  conversation: (id: string) => request<Conversation>('GET', `/api/conversations/${id}/`),
  markRead: (id: string) => request<Conversation>('POST', `/api/conversations/${id}/read/`),
  search: (q: string, conversation?: string | null) =>
    request<SearchHit[]>('GET', `/api/search/?q=${encodeURIComponent(q)}${conversation ? `&conversation=${conversation}` : ''}`),
  forward: (messages: string[], conversations: string[]) =>
    request<Message[]>('POST', '/api/messages/forward/', { messages, conversations }),
  gallery: (conversation: string, tab: GalleryTab, cursor?: string | null) =>
    request<Page<GalleryItem>>('GET', cursor ?? `/api/conversations/${conversation}/gallery/?tab=${tab}&page_size=60`),
  messages: (conversation: string, cursor?: string | null) =>
    request<Page<Message>>('GET', cursor ?? `/api/conversations/${conversation}/messages/?page_size=50`),
  sendText: (conversation: string, text: string, replyTo: string | null = null) =>
    request<Message>('POST', `/api/conversations/${conversation}/messages/`, replyTo ? { text, reply_to: replyTo } : { text }),
  react: (message: string, emoji: string) => request<Message>('POST', `/api/messages/${message}/reactions/`, { emoji }),
  openViewOnce: (message: string) => request<Message>('POST', `/api/messages/${message}/view-once/`),
  retryMessage: (id: string) => request<Message>('POST', `/api/messages/${id}/retry/`),
  // Every file of the message removed for everyone (LGPD requests); the message as it now is.
  removeMessageMedia: (id: string) => request<Message>('DELETE', `/api/messages/${id}/media/`),
  retryAttachment: (id: string) => request<{ id: string; status: string }>('POST', `/api/attachments/${id}/retry/`),
  sendAsDocument: (id: string) => request<{ id: string; status: string }>('POST', `/api/attachments/${id}/send-as-document/`),
  transcribe: (id: string) => request<{ id: string; status: string }>('POST', `/api/attachments/${id}/transcribe/`),
  quickReplies: (q = '') => request<QuickReply[]>('GET', `/api/quick-replies/${q ? `?q=${encodeURIComponent(q)}` : ''}`),
  createQuickReply: (shortcut: string, text: string) => request<QuickReply>('POST', '/api/quick-replies/', { shortcut, text }),
  updateQuickReply: (id: string, changes: { shortcut?: string; text?: string }) =>
    request<QuickReply>('PATCH', `/api/quick-replies/${id}/`, changes),
  deleteQuickReply: (id: string) => request<void>('DELETE', `/api/quick-replies/${id}/`),
  addQuickReplyFile: (id: string, file: File, voice: boolean) => {
    const form = new FormData()
    form.append('file', file)
    form.append('voice', voice ? '1' : '0')
    return request<QuickReply>('POST', `/api/quick-replies/${id}/files/`, form)
  },
  removeQuickReplyFile: (id: string, fileId: string) => request<void>('DELETE', `/api/quick-replies/${id}/files/${fileId}/`),
  sendQuickReply: (id: string, conversation: string, replyTo: string | null = null) =>
    request<Message[]>('POST', `/api/quick-replies/${id}/send/`, replyTo ? { conversation, reply_to: replyTo } : { conversation }),
  uploadPolicy: () => request<UploadPolicy>('GET', '/api/uploads/policy/'),
  startUpload: (body: {
    conversation: string
    file_name: string
    mime_type: string
    size: number
    voice?: boolean
    caption?: string
    reply_to?: string
    after?: string // an upload of this chat this file is sent after (files reviewed together)
  }) => request<StartedUpload>('POST', '/api/uploads/', body),
  completeUpload: (id: string, parts: { number: number; etag: string }[] = []) =>
    request<{ id: string; status: string }>('POST', `/api/uploads/${id}/complete/`, { parts }),
  cancelUpload: (id: string) => request<{ id: string; status: string }>('POST', `/api/uploads/${id}/cancel/`),
  moreParts: (id: string, numbers: number[]) =>
    request<{ parts: { number: number; url: string }[] }>('POST', `/api/uploads/${id}/parts/`, { numbers }),
}

// Cursor links from DRF are absolute (http://host/api/...): keep only path + query, same origin.
export function samePath(url: string | null): string | null {
  if (!url) return null
  const parsed = new URL(url, window.location.origin)
  return parsed.pathname + parsed.search
}

/** Where the browser downloads chosen files of a chat as one zip (same origin, the session's). */
export function zipUrl(conversation: string, ids: string[]): string {
  return `/api/conversations/${conversation}/media.zip?ids=${ids.map(encodeURIComponent).join(',')}`
}
