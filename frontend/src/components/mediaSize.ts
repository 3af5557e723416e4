// The box an image/video/sticker takes in the chat, known before any byte loads (width/height from
// metadata), so nothing moves when the media arrives.
import type { Attachment } from '../api/types'

export const MAX_W = 330
export const MAX_H = 360
const MIN_SIDE = 120
// Small pictures and videos are drawn bigger, up to this width (WhatsApp Web does the same), so a
// 160-pixel clip is not a stamp in the chat.
const MIN_WIDTH = 240

export function frameSize(attachment: Pick<Attachment, 'category' | 'metadata'>): { width: number; height: number } {
  if (attachment.category === 'sticker') return { width: 160, height: 160 }
  if (attachment.category === 'audio' || attachment.category === 'voice') return { width: 300, height: 56 }
  if (attachment.category === 'document') return { width: 300, height: 64 }
  const w = attachment.metadata.width
  const h = attachment.metadata.height
  if (!w || !h) return { width: MAX_W, height: attachment.category === 'video' ? 186 : 248 }
  const scale = Math.min(MAX_W / w, MAX_H / h, Math.max(1, MIN_WIDTH / w))
  return { width: Math.max(MIN_SIDE, Math.round(w * scale)), height: Math.max(MIN_SIDE, Math.round(h * scale)) }
}
