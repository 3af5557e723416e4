import { describe, expect, it } from 'vitest'
import { arrivedBelow, type Listed } from './newBelow'

const inc = (id: string): Listed => ({ id, direction: 'in' })

describe('arrivedBelow', () => {
  it('learns the first list without counting it', () => {
    const known = new Set<string>()
    expect(arrivedBelow(known, [inc('a'), inc('b')])).toBe(0)
    expect(known.size).toBe(2)
  })

  it('counts each new incoming message once, several in one render too', () => {
    const known = new Set(['a'])
    expect(arrivedBelow(known, [inc('a'), inc('b'), inc('c')])).toBe(2)
    expect(arrivedBelow(known, [inc('a'), inc('b'), inc('c')])).toBe(0)
  })

  it('counts a message that sorts before the newest (same second, processed later)', () => {
    const known = new Set(['a'])
    expect(arrivedBelow(known, [inc('a'), inc('n2')])).toBe(1)
    expect(arrivedBelow(known, [inc('a'), inc('n1'), inc('n2')])).toBe(1)
  })

  it('does not count older pages loaded above, nor the agent’s own messages', () => {
    const known = new Set(['m1', 'm2'])
    expect(arrivedBelow(known, [inc('o1'), inc('o2'), inc('m1'), inc('m2')])).toBe(0)
    expect(arrivedBelow(known, [inc('o1'), inc('o2'), inc('m1'), inc('m2'), { id: 'mine', direction: 'out' }])).toBe(0)
  })
})
