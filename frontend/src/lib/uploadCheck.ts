// The composer's check before anything uploads: the same rules the server applies at
// POST /api/uploads/ (chatmedia.media.uploads._category/_check_size), from GET /api/uploads/policy/.
import type { Category, UploadPolicy } from '../api/types'
import { t } from '../strings'
import { formatSize } from './format'

export type Checked = { ok: true; category: Category; mimeType: string } | { ok: false; message: string }

export function normalType(type: string): string {
  return type.split(';')[0].trim().toLowerCase()
}

export function checkFile(
  policy: UploadPolicy,
  file: { name: string; size: number; type: string },
  voice = false,
): Checked {
  let mimeType = normalType(file.type) || 'application/octet-stream'
  let category: Category
  if (voice) {
    mimeType = policy.voice_container_types[mimeType] ?? mimeType
    category = 'voice'
  } else {
    const kind = mimeType.split('/')[0]
    category =
      (kind === 'image' || kind === 'audio' || kind === 'video') && policy.allowed_types[kind]?.includes(mimeType)
        ? kind
        : 'document'
  }
  if (file.size === 0) return { ok: false, message: t.upload.empty(file.name) }
  if (!policy.allowed_types[category]?.includes(mimeType)) return { ok: false, message: t.upload.typeNotAllowed(file.name) }
  const limit = policy.max_bytes[category]
  if (limit != null && file.size > limit) {
    return { ok: false, message: t.upload.tooLarge(file.name, formatSize(file.size), formatSize(limit)) }
  }
  return { ok: true, category, mimeType }
}
