import { describe, expect, it } from 'vitest'
import { MB, policy } from '../test-fixtures'
import { checkFile } from './uploadCheck'

describe('client-side upload check', () => {
  it('sorts a file into its category', () => {
    expect(checkFile(policy, { name: 'a.jpg', size: 10, type: 'image/jpeg' })).toEqual({ ok: true, category: 'image', mimeType: 'image/jpeg' })
    expect(checkFile(policy, { name: 'a.pdf', size: 10, type: 'application/pdf' })).toMatchObject({ ok: true, category: 'document' })
  })
  it('refuses a file over the limit of its category, saying both sizes', () => {
    const result = checkFile(policy, { name: 'big.mp4', size: 20 * MB, type: 'video/mp4' })
    expect(result.ok).toBe(false)
    expect(!result.ok && result.message).toBe('“big.mp4” tem 20,0 MB; o limite para este tipo de arquivo é 16,0 MB.')
  })
  it('refuses types nobody allows and empty files', () => {
    expect(checkFile(policy, { name: 'x.svg', size: 10, type: 'image/svg+xml' }).ok).toBe(false)
    expect(checkFile(policy, { name: 'x.exe', size: 10, type: '' }).ok).toBe(false)
    expect(checkFile(policy, { name: 'a.pdf', size: 0, type: 'application/pdf' }).ok).toBe(false)
  })
  it('takes a recording labelled as a WebM video as a voice note', () => {
    expect(checkFile(policy, { name: 'r.webm', size: 10, type: 'video/webm;codecs=opus' }, true)).toEqual({
      ok: true,
      category: 'voice',
      mimeType: 'audio/webm',
    })
  })
})
