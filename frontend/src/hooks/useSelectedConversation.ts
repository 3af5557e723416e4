// The open conversation lives in the URL (#/c/<uuid>): reload and back/forward keep it.
import { useCallback, useEffect, useState } from 'react'

const PATTERN = /^#\/c\/([0-9a-f-]{36})$/

function fromHash(): string | null {
  return window.location.hash.match(PATTERN)?.[1] ?? null
}

export function useSelectedConversation(): [string | null, (id: string | null) => void] {
  const [selected, setSelected] = useState<string | null>(fromHash)
  useEffect(() => {
    const onChange = () => setSelected(fromHash())
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  const select = useCallback((id: string | null) => {
    window.location.hash = id ? `#/c/${id}` : ''
    setSelected(id)
  }, [])
  return [selected, select]
}
