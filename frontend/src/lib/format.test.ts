import { afterEach, describe, expect, it } from 'vitest'
import type { LastMessage } from '../api/types'
import { errorText } from '../strings'
import { dayLabel, formatClock, formatDuration, formatListTime, formatSize, previewText, setTimeZone } from './format'

const last = (attachment: LastMessage['attachment'], text = ''): LastMessage => ({
  id: '1',
  direction: 'in',
  text,
  status: 'delivered',
  timestamp: '2026-11-26T10:00:00Z',
  created_at: '2026-11-26T10:00:01Z',
  deleted_at: null,
  attachment,
})

describe('format', () => {
  it('sizes in pt-BR', () => {
    expect(formatSize(855)).toBe('855 bytes')
    expect(formatSize(1536)).toBe('1,5 KB')
    expect(formatSize(25 * 1024 * 1024)).toBe('25,0 MB')
  })
  it('durations', () => {
    expect(formatDuration(7.4)).toBe('0:07')
    expect(formatDuration(65)).toBe('1:05')
    expect(formatDuration(3723)).toBe('1:02:03')
    expect(formatDuration(NaN)).toBe('0:00')
  })
  it('list times: today as a clock, then Ontem, then a date', () => {
    const now = new Date(2026, 10, 26, 15, 0)
    expect(formatListTime(new Date(2026, 10, 26, 9, 5).toISOString(), now)).toMatch(/09:05/)
    expect(formatListTime(new Date(2026, 10, 25, 23, 0).toISOString(), now)).toBe('Ontem')
    expect(formatListTime(new Date(2026, 10, 20, 8, 0).toISOString(), now)).toBe('20/11/2026')
  })
  it('previews the last message like WhatsApp', () => {
    expect(previewText(last(null, 'Oi'))).toBe('Oi')
    expect(previewText(last({ category: 'image', file_name: '', duration: null }))).toBe('📷 Foto')
    expect(previewText(last({ category: 'image', file_name: '', duration: null }, 'Comprovante'))).toBe('📷 Comprovante')
    expect(previewText(last({ category: 'voice', file_name: '', duration: 12 }))).toBe('🎤 Áudio 0:12')
    expect(previewText(last({ category: 'document', file_name: 'nota.pdf', duration: null }))).toBe('📄 nota.pdf')
    expect(previewText(last({ category: 'video', file_name: '', duration: 3 }))).toBe('🎥 Vídeo')
    expect(previewText(null)).toBe('')
  })
})

describe('server errors for people', () => {
  it('speaks Portuguese for known codes and keeps the server message otherwise', () => {
    expect(errorText({ code: 'expired', message: 'the media server answered 404' }, 'x')).toBe(
      'O arquivo não está mais disponível no WhatsApp.',
    )
    expect(errorText({ code: 'window_closed', message: 'More than 24 hours' }, 'x')).toMatch(/24 horas/)
    expect(errorText({ code: 'evolution_refused', message: 'not on WhatsApp' }, 'x')).toBe(
      'O WhatsApp recusou a mensagem: not on WhatsApp',
    )
    expect(errorText({ code: 'something_new', message: 'Detail' }, 'x')).toBe('Detail')
    expect(errorText(null, 'Falhou')).toBe('Falhou')
  })
})

describe('dates in the tenant\'s time zone', () => {
  afterEach(() => setTimeZone(undefined))

  it('the clock and "Hoje" follow the tenant, not the computer', () => {
    setTimeZone('America/Sao_Paulo') // UTC-3
    expect(formatClock('2026-11-26T02:30:00Z')).toBe('23:30') // still the 25th in São Paulo
    const now = new Date('2026-11-26T12:00:00Z')
    expect(dayLabel('2026-11-26T02:30:00Z', now)).toBe('Ontem')
    expect(dayLabel('2026-11-26T03:30:00Z', now)).toBe('Hoje')
    setTimeZone('Asia/Tokyo') // UTC+9: the same instants, other days
    expect(dayLabel('2026-11-26T02:30:00Z', now)).toBe('Hoje')
  })

  it('separators: Hoje, Ontem, a weekday within the week, then the date', () => {
    setTimeZone('America/Sao_Paulo')
    const now = new Date('2026-11-26T15:00:00Z') // a Thursday
    expect(dayLabel('2026-11-26T10:00:00Z', now)).toBe('Hoje')
    expect(dayLabel('2026-11-25T10:00:00Z', now)).toBe('Ontem')
    expect(dayLabel('2026-11-23T10:00:00Z', now)).toBe('Segunda-feira')
    expect(dayLabel('2026-11-19T10:00:00Z', now)).toBe('19/11/2026')
  })

  it('an unknown zone falls back to the browser\'s own instead of breaking', () => {
    setTimeZone('Mars/Olympus_Mons')
    expect(formatClock('2026-11-26T02:30:00Z')).toMatch(/^\d\d:\d\d$/)
  })
})

