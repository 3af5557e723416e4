import type { Message, UploadPolicy } from './api/types'

export const MB = 1024 * 1024
export const policy: UploadPolicy = {
  max_bytes: { image: 16 * MB, audio: 16 * MB, voice: 16 * MB, video: 16 * MB, document: 100 * MB },
  allowed_types: {
    image: ['image/jpeg', 'image/png'],
    audio: ['audio/mpeg', 'audio/ogg', 'audio/webm'],
    voice: ['audio/mpeg', 'audio/ogg', 'audio/webm'],
    video: ['video/mp4'],
    document: ['application/pdf', 'image/jpeg', 'video/mp4'],
  },
  voice_container_types: { 'video/webm': 'audio/webm' },
  caption_max_chars: 1024,
  text_max_chars: 4096,
}


/** A message with every field the API sends, for tests to patch. */
export const newMessage = (patch: Partial<Message> = {}): Message => ({
  id: 'm1',
  conversation: 'c1',
  wa_message_id: '',
  direction: 'out',
  author_jid: '',
  author_name: '',
  text: '',
  status: 'processing',
  error: null,
  sent_at: null,
  delivered_at: null,
  read_at: null,
  played_at: null,
  timestamp: '2026-11-26T10:00:00Z',
  created_at: '2026-11-26T10:00:01Z',
  attachments: [],
  deleted_at: null,
  edited_at: null,
  edits: [],
  reply_to: null,
  reactions: [],
  album: null,
  forwarded: false,
  forwarding_score: 0,
  is_view_once: false,
  view_once_opened_at: null,
  view_once_opened_by: null,
  ...patch,
})
