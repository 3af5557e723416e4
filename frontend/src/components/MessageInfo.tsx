// "Dados da mensagem": when an outgoing message was sent, delivered, read and (a voice note)
// played, in the tenant's time zone. A state WhatsApp never reported shows "—".
import { useEffect } from 'react'
import type { Message } from '../api/types'
import { formatDateTime } from '../lib/format'
import { t } from '../strings'

export function MessageInfo({ message, onClose }: { message: Message; onClose: () => void }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose()
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [onClose])
  const voice = message.attachments[0]?.category === 'voice'
  const rows: [string, string | null][] = [
    [t.status.sent, message.sent_at],
    [t.status.delivered, message.delivered_at],
    [t.status.read, message.read_at],
    ...(voice ? [[t.status.played, message.played_at] as [string, string | null]] : []),
  ]
  return (
    <div role="dialog" aria-label={t.message.info} className="absolute top-8 right-0 z-20 w-64 rounded-lg bg-white p-3 text-sm shadow-lg" data-testid="message-info">
      <div className="mb-2 flex items-center justify-between">
        <h4 className="font-medium text-slate-800">{t.message.info}</h4>
        <button type="button" onClick={onClose} aria-label={t.upload.dismiss} className="rounded px-1.5 text-slate-600 hover:bg-slate-100">
          ✕
        </button>
      </div>
      <dl className="space-y-1">
        {rows.map(([label, at]) => (
          <div key={label} className="flex justify-between gap-3">
            <dt className="text-slate-600">{label}</dt>
            <dd className="tabular-nums text-slate-900" data-testid={`info-${label}`}>
              {at ? formatDateTime(at) : '—'}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  )
}
