import { describe, expect, it } from 'vitest'
import type { Attachment } from '../api/types'
import { newMessage } from '../test-fixtures'
import { rowsOf } from './ChatWindow'

const photo: Attachment = {
  id: 'a',
  status: 'ready',
  category: 'image',
  mime_type: 'image/jpeg',
  size: 1,
  file_name: '',
  error: null,
  metadata: {},
  urls: {},
}

describe('albums in the chat', () => {
  it('groups consecutive photos of one album and leaves the rest alone', () => {
    const album = (id: string, index: number) =>
      newMessage({ id, direction: 'in', album: { id: 'ALB', index, size: 3 }, attachments: [{ ...photo, id: `a${id}` }] })
    const rows = rowsOf([newMessage({ id: 't' }), album('p1', 0), album('p2', 1), newMessage({ id: 'after' })])
    expect(rows.map((r) => r.kind)).toEqual(['single', 'album', 'single'])
    const grouped = rows[1]
    expect(grouped.kind === 'album' && grouped.messages.map((m) => m.id)).toEqual(['p1', 'p2'])
    expect(grouped.kind === 'album' && grouped.size).toBe(3)
  })

  it('a lone photo of an album is a message of its own', () => {
    const rows = rowsOf([newMessage({ id: 'p1', album: { id: 'ALB', index: 0, size: 2 }, attachments: [photo] })])
    expect(rows).toEqual([{ kind: 'single', message: expect.objectContaining({ id: 'p1' }) }])
  })
})
