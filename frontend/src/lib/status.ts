// Message states only move forward (mirror of chatmedia/chat/status.py): a late `sent` never
// overwrites `read`, and a delivery receipt wins over `failed` (the message did arrive). The one
// way back is an agent's retry, which the server records as failed → processing.
import type { Attachment, Message, MessageStatus } from '../api/types'

const RANK: Record<Exclude<MessageStatus, 'failed'>, number> = {
  pending: 0,
  processing: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  played: 5,
}

export function canReplace(current: MessageStatus, next: MessageStatus): boolean {
  if (current === next) return false
  if (next === 'failed') return current === 'pending' || current === 'processing' || current === 'sent'
  if (current === 'failed') return next === 'processing' || RANK[next] >= RANK.delivered
  return RANK[next] > RANK[current]
}

export function mergeStatus(current: MessageStatus, next: MessageStatus): MessageStatus {
  return canReplace(current, next) ? next : current
}

/** What a person sees on an outgoing message, by name (the same names as the backend). */
export type Visible = 'uploading' | 'processing' | 'sent' | 'delivered' | 'read' | 'played' | 'failed'

export function visibleState(message: Pick<Message, 'status'>, attachment?: Pick<Attachment, 'status'>): Visible {
  if (message.status === 'failed' || attachment?.status === 'failed') return 'failed'
  if (attachment?.status === 'uploading') return 'uploading'
  switch (message.status) {
    case 'sent':
      return 'sent'
    case 'delivered':
      return 'delivered'
    case 'read':
      return 'read'
    case 'played': // a voice note the customer listened to: "Ouvida"
      return 'played'
    default:
      return 'processing'
  }
}
