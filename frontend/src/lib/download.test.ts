import { describe, expect, it } from 'vitest'
import { downloadUrl } from './download'

describe('downloadUrl', () => {
  it('adds download=1 to a signed link or a bare path', () => {
    expect(downloadUrl('/media/x/original?tenant=t&exp=1&sig=s')).toBe('/media/x/original?tenant=t&exp=1&sig=s&download=1')
    expect(downloadUrl('/media/x/original')).toBe('/media/x/original?download=1')
    expect(downloadUrl(undefined)).toBeUndefined()
  })
})
