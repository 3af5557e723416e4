import { act, render } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { backoff, useChatSocket } from './useChatSocket'

class FakeSocket {
  static all: FakeSocket[] = []
  static OPEN = 1
  static CLOSED = 3
  readyState = 0
  onopen: (() => void) | null = null
  onclose: (() => void) | null = null
  onmessage: ((m: { data: string }) => void) | null = null
  constructor(public url: string) {
    FakeSocket.all.push(this)
  }
  send() {}
  close() {
    this.readyState = FakeSocket.CLOSED
    this.onclose?.()
  }
  opened() {
    this.readyState = FakeSocket.OPEN
    this.onopen?.()
  }
}

function Probe(props: { onEvent: (e: unknown) => void; onOpen: () => void }) {
  const connected = useChatSocket(true, props.onEvent, props.onOpen)
  return <span data-connected={connected} />
}

describe('useChatSocket', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    FakeSocket.all = []
    vi.stubGlobal('WebSocket', FakeSocket)
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('backs off up to 10 s', () => {
    expect([0, 1, 2, 3, 10].map(backoff)).toEqual([500, 1000, 2000, 4000, 10_000])
  })

  it('delivers events, reconnects by itself after a drop, and asks to catch up on every open', () => {
    const onEvent = vi.fn()
    const onOpen = vi.fn()
    const { container } = render(<Probe onEvent={onEvent} onOpen={onOpen} />)
    expect(FakeSocket.all[0].url).toMatch(/^ws:\/\/.+\/ws\/chat\/$/)
    act(() => FakeSocket.all[0].opened())
    expect(container.firstElementChild!.getAttribute('data-connected')).toBe('true')
    act(() => FakeSocket.all[0].onmessage!({ data: '{"type":"message.created","data":{}}' }))
    expect(onEvent).toHaveBeenCalledWith({ type: 'message.created', data: {} })
    // The first open too: what was published between the page's first requests and the socket
    // joining the tenant's group reached nobody.
    expect(onOpen).toHaveBeenCalledTimes(1)
    act(() => FakeSocket.all[0].close())
    expect(container.firstElementChild!.getAttribute('data-connected')).toBe('false')
    act(() => vi.advanceTimersByTime(499))
    expect(FakeSocket.all).toHaveLength(1)
    act(() => vi.advanceTimersByTime(1))
    expect(FakeSocket.all).toHaveLength(2)
    act(() => FakeSocket.all[1].opened())
    expect(onOpen).toHaveBeenCalledTimes(2)
  })
})
