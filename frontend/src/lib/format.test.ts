import { describe, expect, it } from 'vitest'
import type { LastMessage } from '../api/types'
import { errorText } from '../strings'
import { formatDuration, formatListTime, formatSize, previewText } from './format'

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
