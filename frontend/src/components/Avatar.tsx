// A contact's picture: a grey skeleton while it loads, the picture, or initials on a coloured disc
// when there is none or it fails to load (a group gets a people silhouette, as in WhatsApp). The box
// never changes size.
import { useEffect, useState } from 'react'
import { colourOf, initialsOf } from '../lib/avatar'

interface Props {
  name: string
  url: string | null
  colourKey: string
  size?: number
  group?: boolean
}

const GroupSilhouette = ({ size }: { size: number }) => (
  <svg viewBox="0 0 24 24" width={size * 0.6} height={size * 0.6} fill="currentColor" aria-hidden data-testid="avatar-group">
    <circle cx="9" cy="8" r="3.2" />
    <circle cx="16.5" cy="9" r="2.6" opacity="0.8" />
    <path d="M2.5 19c0-3.6 2.9-5.8 6.5-5.8s6.5 2.2 6.5 5.8z" />
    <path d="M14.6 13.6c.6-.1 1.2-.2 1.9-.2 2.9 0 5 1.8 5 4.6v1h-4.6c0-2.3-.8-4.1-2.3-5.4z" opacity="0.8" />
  </svg>
)

export function Avatar({ name, url, colourKey, size = 48, group = false }: Props) {
  const [state, setState] = useState<'loading' | 'loaded' | 'failed'>(url ? 'loading' : 'failed')
  useEffect(() => setState(url ? 'loading' : 'failed'), [url])
  const box = { width: size, height: size }
  if (!url || state === 'failed') {
    return (
      <span
        role="img"
        aria-label={name}
        data-testid="avatar-initials"
        className="inline-flex flex-none select-none items-center justify-center rounded-full font-semibold text-white"
        style={{ ...box, backgroundColor: group ? '#94a3b8' : colourOf(colourKey), fontSize: size * 0.38 }}
      >
        {group ? <GroupSilhouette size={size} /> : initialsOf(name)}
      </span>
    )
  }
  return (
    <span className="relative inline-block flex-none overflow-hidden rounded-full bg-slate-200" style={box}>
      {state === 'loading' && <span data-testid="avatar-skeleton" className="absolute inset-0 animate-pulse bg-slate-300" />}
      <img
        src={url}
        alt={name}
        width={size}
        height={size}
        data-testid="avatar-picture"
        onLoad={() => setState('loaded')}
        onError={() => setState('failed')}
        className={`h-full w-full object-cover transition-opacity duration-200 ${state === 'loaded' ? 'opacity-100' : 'opacity-0'}`}
      />
    </span>
  )
}
