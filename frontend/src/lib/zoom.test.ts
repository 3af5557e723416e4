import { describe, expect, it } from 'vitest'
import { nextZoom, panLimit, pinchZoom, previousZoom } from './zoom'

describe('lightbox zoom', () => {
  it('steps through the levels, from wherever a pinch left it', () => {
    expect(nextZoom(1)).toBe(1.5)
    expect(nextZoom(1.7)).toBe(2)
    expect(nextZoom(4)).toBe(4)
    expect(previousZoom(1.7)).toBe(1.5)
    expect(previousZoom(1)).toBe(1)
  })
  it('follows the fingers, within 1× and 4×', () => {
    expect(pinchZoom(1, 100, 200)).toBe(2)
    expect(pinchZoom(2, 100, 10)).toBe(1)
    expect(pinchZoom(3, 100, 1000)).toBe(4)
    expect(pinchZoom(2, 0, 50)).toBe(2)
  })
  it('pans a zoomed picture only as far as its edges', () => {
    expect(panLimit(400, 1)).toBe(0)
    expect(panLimit(400, 2)).toBe(200)
  })
})
