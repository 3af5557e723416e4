import { sizeUnits, t } from '../strings'
import type { Category, LastMessage } from '../api/types'

export function formatSize(bytes: number | null | undefined): string {
  if (bytes == null) return ''
  let value = bytes
  for (const unit of sizeUnits) {
    if (value < 1024 || unit === 'GB') {
      return unit === 'bytes' ? `${value} bytes` : `${value.toFixed(1).replace('.', ',')} ${unit}`
    }
    value /= 1024
  }
  return `${bytes} bytes`
}

/** 0:07, 1:05, 1:02:03 */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '0:00'
  const whole = Math.floor(seconds)
  const h = Math.floor(whole / 3600)
  const m = Math.floor((whole % 3600) / 60)
  const s = String(whole % 60).padStart(2, '0')
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

// Times and dates are shown in the tenant's time zone (GET /api/me/ → tenant.time_zone), whatever
// the agent's computer says: the team agrees on what "Hoje" is. Undefined: the browser's own.
let zone: string | undefined

export function setTimeZone(timeZone: string | undefined): void {
  try {
    new Intl.DateTimeFormat('pt-BR', { timeZone }) // throws on a zone the browser does not know
    zone = timeZone
  } catch {
    zone = undefined
  }
}

/** The time of a message: 14:05 */
export function formatClock(iso: string): string {
  return new Date(iso).toLocaleTimeString('pt-BR', { hour: '2-digit', minute: '2-digit', timeZone: zone })
}

/** The calendar day of an instant in the tenant's zone, as a day number (for differences). */
export function dayNumber(when: Date): number {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(when)
  return Math.round(Date.parse(`${parts}T00:00:00Z`) / 86_400_000)
}

function formatDate(when: Date): string {
  return when.toLocaleDateString('pt-BR', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: zone })
}

/** The time in the conversation list: 14:05 today, "Ontem", else 21/11/2026. */
export function formatListTime(iso: string | null, now: Date = new Date()): string {
  if (!iso) return ''
  const when = new Date(iso)
  const days = dayNumber(now) - dayNumber(when)
  if (days <= 0) return formatClock(iso)
  if (days === 1) return t.time.yesterday
  return formatDate(when)
}

/** The separator above a day's messages: "Hoje", "Ontem", a weekday within the week, else the date. */
export function dayLabel(iso: string, now: Date = new Date()): string {
  const when = new Date(iso)
  const days = dayNumber(now) - dayNumber(when)
  if (days <= 0) return t.time.today
  if (days === 1) return t.time.yesterday
  if (days < 7) {
    const weekday = when.toLocaleDateString('pt-BR', { weekday: 'long', timeZone: zone })
    return weekday.charAt(0).toUpperCase() + weekday.slice(1)
  }
  return formatDate(when)
}

/** Date and time, for a message's info: "26/11/2026 14:05". */
export function formatDateTime(iso: string): string {
  return `${formatDate(new Date(iso))} ${formatClock(iso)}`
}

const PREVIEW: Record<Category, string> = t.preview

/** What the conversation list shows under the name: "📷 Foto", "🎤 Áudio 0:12", "📄 contrato.pdf"… */
export function previewText(last: LastMessage | null): string {
  if (!last) return ''
  if (last.deleted_at) return t.message.deletedPreview
  const a = last.attachment
  if (!a) return last.text
  if (a.category === 'document') return `📄 ${a.file_name || PREVIEW.document.slice(3)}`
  const label = PREVIEW[a.category]
  if (last.text) return `${label.split(' ')[0]} ${last.text}`
  if ((a.category === 'voice' || a.category === 'audio') && a.duration) return `${label} ${formatDuration(a.duration)}`
  return label
}
