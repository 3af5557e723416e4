// A contact's picture: a grey skeleton while it loads, the picture, or initials on a coloured disc
// when there is none or it fails to load. The box never changes size.
import { useEffect, useState } from 'react'
import { colourOf, initialsOf } from '../lib/avatar'

interface Props {
  name: string
  url: string | null
  colourKey: string
  size?: number
}

export function Avatar({ name, url, colourKey, size = 48 }: Props) {
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
        style={{ ...box, backgroundColor: colourOf(colourKey), fontSize: size * 0.38 }}
      >
        {initialsOf(name)}
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
