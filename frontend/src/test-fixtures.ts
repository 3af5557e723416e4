import type { UploadPolicy } from './api/types'

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

