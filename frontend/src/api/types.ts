// The JSON shapes of the chatmedia API (chatmedia/chat/serializers.py; attachment = design §11) and
// of the /ws/chat/ events (chatmedia/realtime/events.py). Checked against /api/schema/ by
// tests/web/test_frontend_contract.py.

export type Category = 'image' | 'sticker' | 'audio' | 'voice' | 'video' | 'document'
export type AttachmentStatus = 'pending' | 'uploading' | 'processing' | 'ready' | 'failed'
export type MessageStatus = 'pending' | 'processing' | 'sent' | 'delivered' | 'read' | 'played' | 'failed'
export type Variant = 'original' | 'thumb' | 'preview' | 'playback' | 'poster' | 'source'

export interface ApiError {
  code: string
  message: string
  retryable?: boolean // attachments: fetching it again may work (not refused for what it is)
}

export interface AttachmentMetadata {
  width?: number
  height?: number
  duration?: number
  pages?: number
  sheets?: number // a spreadsheet's sheets (Office previews)
  slides?: number // a presentation's slides
  waveform?: number[]
  blurhash?: string
  animated?: boolean
  ptt?: boolean
  gif?: boolean
  frames?: number
  placeholder?: string // WhatsApp's own tiny JPEG (data: URL) of an incoming picture or video, until ours is ready
  round?: boolean // a round video note (ptvMessage)
  lottie?: boolean // an animated Lottie sticker (no browser draws it: shown as a card)
  preview_error?: string
  // why there is no preview: too_many_pixels | too_long | protected | unreadable | timeout | memory | crashed | error
  preview_error_code?: string
  // A video's codec and pixel format; one browsers cannot play (HEVC, ProRes, 10-bit) gets a
  // `playback` H.264 copy, or `playback_error` says why not.
  codec?: string
  pixel_format?: string
  playback_error?: string
  // A voice note's or an audio file's transcript (when the server transcribes): its state, the text
  // once done, why not when failed.
  transcript_status?: 'pending' | 'done' | 'failed'
  transcript?: string
  transcript_language?: string
  transcript_error?: ApiError
  // Removed for everyone on request (LGPD): the bytes are gone; who and when (nothing else is kept)
  removed?: { at: string; by: string; reason: 'request' | 'retention' | 'erasure' }
}

export interface Attachment {
  id: string
  status: AttachmentStatus
  category: Category
  mime_type: string
  size: number | null
  file_name: string
  error: ApiError | null
  metadata: AttachmentMetadata
  urls: Partial<Record<Variant, string>>
}

/** What a reply quotes: our copy of the quoted message (`id`), or what the quote itself carried. */
export interface ReplyTo {
  id: string | null
  wa_message_id: string
  direction: 'in' | 'out' | null
  author_name: string
  text: string
  category: Category | ''
  thumb_url: string | null // our signed thumbnail, or the quote's own tiny JPEG (data: URL)
}

export interface Reaction {
  emoji: string
  author_jid: string
  author_name: string
  from_me: boolean
  at: string
}

export interface Message {
  id: string
  conversation: string
  wa_message_id: string
  direction: 'in' | 'out'
  author_jid: string
  author_name: string
  text: string
  status: MessageStatus
  error: ApiError | null
  // when each state was reached (the message's info); null: not (yet) known
  sent_at: string | null
  delivered_at: string | null
  read_at: string | null
  played_at: string | null
  timestamp: string
  created_at: string
  attachments: Attachment[]
  deleted_at: string | null // deleted for everyone: no text, no URLs
  edited_at: string | null
  edits: { text: string; at: string }[] // earlier texts, oldest first
  reply_to: ReplyTo | null
  reactions: Reaction[]
  album: { id: string; index: number; size: number } | null
  forwarded: boolean
  forwarding_score: number
  is_view_once: boolean
  view_once_opened_at: string | null
  view_once_opened_by: string | null
}

export interface LastMessage {
  id: string
  direction: 'in' | 'out'
  text: string
  status: MessageStatus
  timestamp: string
  created_at: string
  attachment: { category: Category; file_name: string; duration: number | null } | null
  deleted_at: string | null
}

/** One of the tenant's WhatsApp numbers (GET /api/connections/). */
export interface Connection {
  id: string
  provider: 'evolution' | 'cloud'
  name: string
  phone: string
  status: 'unknown' | 'connected' | 'disconnected' | 'auth_error'
  status_changed_at: string | null
}

export interface Conversation {
  id: string
  connection: string // the number of ours the chat is on
  remote_jid: string
  display_name: string
  is_group: boolean
  avatar_updated_at: string | null
  avatar_url: string | null
  last_activity_at: string | null
  created_at: string
  last_message: LastMessage | null
  unread_count: number // incoming messages the team has not seen (chat.unread)
  agent_read_at: string | null
}

/** One entry of a conversation's gallery (GET /api/conversations/<id>/gallery/?tab=…). */
export type GalleryTab = 'media' | 'documents' | 'audio' | 'links'
/** A saved answer of the team (chat.quick_replies): picked with /shortcut in the composer. */
export interface QuickReplyFile {
  id: string
  file_name: string
  category: Category
  mime_type: string
  size: number
  duration: number | null
}

export interface QuickReply {
  id: string
  shortcut: string
  text: string
  files: QuickReplyFile[]
  created_at: string
  updated_at: string
}

export interface GalleryItem {
  id: string // the attachment's, or the message's for links
  message: string
  timestamp: string
  direction: 'in' | 'out'
  attachment: Attachment | null
  links: string[]
  text: string
}

/** A message search found (GET /api/search/): the words around the match, matches marked. */
export interface SearchHit {
  message: string
  conversation: string
  conversation_name: string
  timestamp: string
  direction: 'in' | 'out'
  author_name: string
  snippet: { text: string; match: boolean }[]
}

export interface Page<T> {
  next: string | null
  previous: string | null
  results: T[]
}

export interface Me {
  username: string
  role: string
  may_remove_media: boolean // may remove a file for everyone (LGPD requests): admins, agents when allowed
  tenant: { id: string; slug: string; name: string; time_zone: string }
}

// A customer's data erased on request (LGPD; /api/erasures/): its progress, then its report.
export interface Erasure {
  id: string
  status: 'queued' | 'running' | 'done'
  phone: string
  requested_by_name: string
  keeps_metadata: boolean
  conversations: number
  messages: number
  files: number
  bytes_freed: number
  created_at: string
  finished_at: string | null
}

// One row of the audit log (/api/audit-log/): who did what to which file, when and from where.
export interface AuditEvent {
  id: number
  at: string
  action: 'view' | 'download' | 'forward' | 'delete' | 'export'
  via: string
  actor_id: number | null
  actor_name: string
  attachment_id: string | null
  message_id: string | null
  conversation_id: string | null
  variant: string
  category: string
  ip: string | null
  user_agent: string
}

export interface UploadPolicy {
  max_bytes: Record<string, number>
  allowed_types: Record<string, string[]>
  voice_container_types: Record<string, string>
  caption_max_chars: number
  text_max_chars: number
}

export type UploadInstructions =
  | { method: 'PUT'; url: string; headers: Record<string, string> }
  | { multipart: true; part_size: number; parts: { number: number; url: string }[] }

export interface StartedUpload {
  id: string
  status: 'uploading'
  upload: UploadInstructions
}

// Events on /ws/chat/: {"type": name, "data": payload}.
export type ChatEvent =
  | { type: 'hello'; data: { tenant: string; group: string } }
  | { type: 'pong' }
  | { type: 'message.created'; data: Message }
  | {
      type: 'message.status'
      data: Pick<
        Message,
        'id' | 'conversation' | 'wa_message_id' | 'status' | 'error' | 'sent_at' | 'delivered_at' | 'read_at' | 'played_at'
      >
    }
  // without `message`: an outgoing message that never reached WhatsApp was dropped (remove it);
  // with it: deleted for everyone on WhatsApp (show it as deleted)
  | { type: 'message.deleted'; data: { id: string; conversation: string; message?: Message } }
  | { type: 'message.edited' | 'message.reactions' | 'message.updated'; data: { id: string; conversation: string; message: Message } }
  | { type: 'conversation.merged'; data: { id: string; merged: string } }
  | { type: 'conversation.removed'; data: { id: string } }
  | {
      // removed: its file removed for everyone on request (metadata.removed says who and when)
      type: 'attachment.ready' | 'attachment.failed' | 'attachment.removed'
      data: { conversation: string; message: string | null; attachment: Attachment }
    }
  // a file being converted for WhatsApp before it is sent (a video): how far it has come
  | {
      type: 'attachment.progress'
      data: { conversation: string; message: string | null; attachment: string; phase: 'converting'; progress: number }
    }
  | { type: 'conversation.updated'; data: Conversation }
