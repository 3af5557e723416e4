import { describe, expect, it } from 'vitest'
import type { Message } from '../api/types'
import { galleryVersion } from './GalleryPanel'

const message = (fields: Partial<Message>): Message => ({ text: '', attachments: [], deleted_at: null, ...fields }) as Message

describe('galleryVersion', () => {
  it('changes when a file becomes ready, a message is deleted or a link is sent — not otherwise', () => {
    const photo = { status: 'processing' } as Message['attachments'][number]
    const before = galleryVersion([message({ attachments: [photo] }), message({ text: 'oi' })])
    expect(galleryVersion([message({ attachments: [photo] }), message({ text: 'oi', status: 'read' })])).toBe(before)
    expect(galleryVersion([message({ attachments: [{ ...photo, status: 'ready' }] }), message({ text: 'oi' })])).not.toBe(before)
    expect(galleryVersion([message({ attachments: [photo] }), message({ text: 'veja https://loja.test' })])).not.toBe(before)
    expect(galleryVersion([message({ attachments: [photo], deleted_at: '2026-12-01T10:00:00Z' }), message({ text: 'oi' })])).not.toBe(before)
  })
})
