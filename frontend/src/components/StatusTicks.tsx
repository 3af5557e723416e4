// The state of an outgoing message as WhatsApp shows it: 🕓 processing, ✓ sent, ✓✓ delivered,
// blue ✓✓ read (and "Ouvida", a voice note played), ⚠ failed; uploading shows an arrow.
// `data-state` names it for tests.
import type { Visible } from '../lib/status'
import { t } from '../strings'

const LABEL: Record<Visible, string> = {
  uploading: t.status.uploading,
  processing: t.status.processing,
  sent: t.status.sent,
  delivered: t.status.delivered,
  read: t.status.read,
  played: t.status.played,
  failed: t.status.failed,
}

export function StatusTicks({ state }: { state: Visible }) {
  const common = { role: 'img', 'aria-label': LABEL[state], 'data-testid': 'status', 'data-state': state, title: LABEL[state] }
  if (state === 'failed') {
    return (
      <svg {...common} viewBox="0 0 16 16" className="h-4 w-4 flex-none text-red-600">
        <circle cx="8" cy="8" r="7" fill="currentColor" />
        <path d="M8 4v5M8 11.2v.1" stroke="white" strokeWidth="1.8" strokeLinecap="round" />
      </svg>
    )
  }
  if (state === 'uploading' || state === 'processing') {
    return (
      <svg {...common} viewBox="0 0 16 16" className="h-3.5 w-3.5 flex-none text-slate-500">
        <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" strokeWidth="1.4" />
        <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />
      </svg>
    )
  }
  const colour = state === 'read' || state === 'played' ? 'text-wa-blue' : 'text-slate-500'
  return (
    <svg {...common} viewBox="0 0 18 12" className={`h-3.5 w-[18px] flex-none ${colour}`}>
      <path d="M1 6.5l3.2 3.2L11 2.5" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
      {state !== 'sent' && (
        <path d="M6.8 9.3l.4.4L14 2.5" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
      )}
    </svg>
  )
}
