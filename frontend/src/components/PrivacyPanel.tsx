// A customer's data under the LGPD, for the tenant's admins, from the chat with that customer:
// export it (a short-lived link to one zip), erase it (after a confirmation, with its progress and
// report), and the chat's audit log — who opened, downloaded, forwarded, removed or exported which file.
import { useCallback, useEffect, useRef, useState } from 'react'
import { api, ApiFailure } from '../api/client'
import type { AuditEvent, Conversation, Erasure } from '../api/types'
import { formatDateTime, formatSize } from '../lib/format'
import { t } from '../strings'
import { SidePanel } from './SidePanel'

// How often an erasure under way is asked how it goes.
const ERASURE_POLL_MS = 1500

export function describeEvent(event: AuditEvent): string {
  const who = event.actor_name || (event.via === 'retention' ? t.privacy.system : t.privacy.nobody)
  const what = t.privacy.kinds[event.category] ?? 'um arquivo'
  const how = t.privacy.via[event.via]
  return [who, t.privacy.actions[event.action] ?? event.action, what, how].filter(Boolean).join(' ')
}

export function PrivacyPanel({ conversation, onClose, onDone }: { conversation: Conversation; onClose: () => void; onDone: (text: string) => void }) {
  const phone = conversation.remote_jid.split('@')[0]
  const [busy, setBusy] = useState<'export' | 'erase' | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [erasure, setErasure] = useState<Erasure | null>(null)
  const [events, setEvents] = useState<AuditEvent[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [loaded, setLoaded] = useState(false)
  const alive = useRef(true)
  useEffect(() => () => void (alive.current = false), [])

  const load = useCallback(
    async (cursor?: string | null) => {
      try {
        const page = await api.auditLog(conversation.id, cursor)
        if (!alive.current) return
        setEvents((shown) => (cursor ? [...shown, ...page.results] : page.results))
        setNext(page.next)
      } catch (failure) {
        if (alive.current) setError(failure instanceof ApiFailure ? failure.message : String(failure))
      } finally {
        if (alive.current) setLoaded(true)
      }
    },
    [conversation.id],
  )
  useEffect(() => void load(), [load])

  useEffect(() => {
    if (!erasure || erasure.status === 'done') return
    const timer = window.setTimeout(async () => {
      try {
        const fresh = await api.erasure(erasure.id)
        if (!alive.current) return
        setErasure(fresh)
        if (fresh.status === 'done') onDone(t.privacy.erased(fresh.messages, fresh.files, formatSize(fresh.bytes_freed)))
      } catch (failure) {
        if (alive.current) setError(failure instanceof ApiFailure ? failure.message : String(failure))
      }
    }, ERASURE_POLL_MS)
    return () => window.clearTimeout(timer)
  }, [erasure, onDone])

  const exportData = async () => {
    setBusy('export')
    setError(null)
    try {
      const { url } = await api.exportLink(phone)
      window.location.assign(url) // the zip downloads; the page stays
    } catch (failure) {
      setError(failure instanceof ApiFailure ? failure.message : String(failure))
    } finally {
      setBusy(null)
    }
  }

  const erase = async () => {
    if (!window.confirm(t.privacy.eraseConfirm(phone))) return
    setBusy('erase')
    setError(null)
    try {
      setErasure(await api.erase(phone))
    } catch (failure) {
      setError(failure instanceof ApiFailure ? failure.message : String(failure))
    } finally {
      setBusy(null)
    }
  }

  const button = 'w-full rounded-md px-3 py-2 text-left text-sm font-medium disabled:opacity-50'
  return (
    <SidePanel title={t.privacy.title} closeLabel={t.privacy.close} onClose={onClose} testId="privacy-panel">
      <div className="min-h-0 flex-1 space-y-4 overflow-y-auto p-4 text-sm text-slate-700">
        <p>{t.privacy.intro}</p>
        <section className="space-y-1">
          <button type="button" className={`${button} bg-slate-100 text-slate-900 hover:bg-slate-200`} disabled={busy !== null} onClick={exportData} data-testid="privacy-export">
            {busy === 'export' ? t.privacy.exporting : t.privacy.export}
          </button>
          <p className="text-xs text-slate-500">{t.privacy.exportHelp}</p>
        </section>
        <section className="space-y-1">
          <button
            type="button"
            className={`${button} bg-red-50 text-red-700 hover:bg-red-100`}
            disabled={busy !== null || (erasure !== null && erasure.status !== 'done')}
            onClick={erase}
            data-testid="privacy-erase"
          >
            {t.privacy.erase}
          </button>
          <p className="text-xs text-slate-500">{t.privacy.eraseHelp}</p>
          {erasure && (
            <p role="status" className="rounded bg-slate-50 p-2 text-slate-800" data-testid="privacy-erasure-status">
              {erasure.status === 'done' ? t.privacy.erased(erasure.messages, erasure.files, formatSize(erasure.bytes_freed)) : t.privacy.erasing(erasure.messages, erasure.files)}
            </p>
          )}
        </section>
        {error && (
          <p role="alert" className="rounded bg-red-50 p-2 text-red-700">
            {error}
          </p>
        )}
        <section>
          <h3 className="font-medium text-slate-900">{t.privacy.log}</h3>
          <p className="mb-2 text-xs text-slate-500">{t.privacy.logHelp}</p>
          {loaded && events.length === 0 && <p className="text-slate-500">{t.privacy.logEmpty}</p>}
          <ol className="divide-y divide-slate-100" data-testid="privacy-log">
            {events.map((event) => (
              <li key={event.id} className="py-2">
                <p className="text-slate-900">{describeEvent(event)}</p>
                <p className="text-xs text-slate-500">
                  {formatDateTime(event.at)}
                  {event.ip && ` · ${event.ip}`}
                </p>
              </li>
            ))}
          </ol>
          {next && (
            <button type="button" className="mt-2 text-sm text-teal-700 hover:underline" onClick={() => void load(next)}>
              {t.privacy.more}
            </button>
          )}
        </section>
      </div>
    </SidePanel>
  )
}
