// The live connection: one WebSocket to /ws/chat/ (every event of the tenant). It reconnects by
// itself with backoff. Each time it opens, the first time too, `onOpen` refetches what may have been
// missed: the page's first requests run while the socket connects, and an event published between
// their answer and the socket joining the tenant's group reaches nobody (a profile picture stored a
// moment after the list was read stayed initials until the next reload).
import { useEffect, useRef, useState } from 'react'
import type { ChatEvent } from '../api/types'

const PING_MS = 25_000
const MAX_BACKOFF_MS = 10_000

export function socketUrl(location: Location = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/ws/chat/`
}

export function backoff(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt)
}

export function useChatSocket(enabled: boolean, onEvent: (event: ChatEvent) => void, onOpen: () => void) {
  const [connected, setConnected] = useState(false)
  const handlers = useRef({ onEvent, onOpen })
  handlers.current = { onEvent, onOpen }

  useEffect(() => {
    if (!enabled) return
    let socket: WebSocket | null = null
    let stopped = false
    let attempt = 0
    let retryTimer: ReturnType<typeof setTimeout> | undefined
    let pingTimer: ReturnType<typeof setInterval> | undefined

    const connect = () => {
      socket = new WebSocket(socketUrl())
      socket.onopen = () => {
        attempt = 0
        setConnected(true)
        pingTimer = setInterval(() => socket?.readyState === WebSocket.OPEN && socket.send('{"type":"ping"}'), PING_MS)
        handlers.current.onOpen()
      }
      socket.onmessage = (message) => {
        try {
          handlers.current.onEvent(JSON.parse(message.data) as ChatEvent)
        } catch {
          /* not JSON: ignore */
        }
      }
      socket.onclose = () => {
        setConnected(false)
        clearInterval(pingTimer)
        if (stopped) return
        retryTimer = setTimeout(connect, backoff(attempt++))
      }
    }
    connect()
    const wake = () => {
      // Back from sleep or offline: do not wait for the backoff.
      if (socket?.readyState === WebSocket.CLOSED) {
        clearTimeout(retryTimer)
        attempt = 0
        connect()
      }
    }
    window.addEventListener('online', wake)
    return () => {
      stopped = true
      clearTimeout(retryTimer)
      clearInterval(pingTimer)
      window.removeEventListener('online', wake)
      socket?.close()
    }
  }, [enabled])

  return connected
}
