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

function Probe(props: { onEvent: (e: unknown) => void; onReconnect: () => void }) {
  const connected = useChatSocket(true, props.onEvent, props.onReconnect)
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

  it('delivers events, reconnects by itself after a drop, and then asks to catch up', () => {
    const onEvent = vi.fn()
    const onReconnect = vi.fn()
    const { container } = render(<Probe onEvent={onEvent} onReconnect={onReconnect} />)
    expect(FakeSocket.all[0].url).toMatch(/^ws:\/\/.+\/ws\/chat\/$/)
    act(() => FakeSocket.all[0].opened())
    expect(container.firstElementChild!.getAttribute('data-connected')).toBe('true')
    act(() => FakeSocket.all[0].onmessage!({ data: '{"type":"message.created","data":{}}' }))
    expect(onEvent).toHaveBeenCalledWith({ type: 'message.created', data: {} })
    expect(onReconnect).not.toHaveBeenCalled() // the first connection is not a reconnection
    act(() => FakeSocket.all[0].close())
    expect(container.firstElementChild!.getAttribute('data-connected')).toBe('false')
    act(() => vi.advanceTimersByTime(499))
    expect(FakeSocket.all).toHaveLength(1)
    act(() => vi.advanceTimersByTime(1))
    expect(FakeSocket.all).toHaveLength(2)
    act(() => FakeSocket.all[1].opened())
    expect(onReconnect).toHaveBeenCalledTimes(1)
  })
})
