import { render, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AuditEvent, Conversation } from '../api/types'
import { PrivacyPanel, describeEvent } from './PrivacyPanel'

const row = (fields: Partial<AuditEvent>): AuditEvent => ({
  id: 1, at: '2026-12-01T12:00:00Z', action: 'view', via: 'signed_url', actor_id: 7, actor_name: 'Ana',
  attachment_id: 'a', message_id: 'm', conversation_id: 'c', variant: 'preview', category: 'image', ip: '10.0.0.1', user_agent: '',
  ...fields,
})

describe('the audit log in words', () => {
  it('says who did what to which kind of file, and how when it matters', () => {
    expect(describeEvent(row({}))).toBe('Ana abriu uma imagem')
    expect(describeEvent(row({ action: 'download', via: 'zip', category: 'document' }))).toBe('Ana baixou um documento em um .zip')
    expect(describeEvent(row({ action: 'delete', via: 'retention', actor_name: '', actor_id: null, category: 'voice' }))).toBe(
      'sistema apagou um áudio de voz pela política de retenção',
    )
    expect(describeEvent(row({ actor_name: '', actor_id: null }))).toBe('sem login abriu uma imagem')
  })
})

describe('PrivacyPanel', () => {
  afterEach(() => vi.restoreAllMocks())
  it("lists the chat's audit log, newest first, with when and from where", async () => {
    const fetched: string[] = []
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      fetched.push(String(input))
      const body = { next: null, previous: null, results: [row({ id: 2, action: 'forward' }), row({ id: 1 })] }
      return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })
    })
    const conversation = { id: 'c1', remote_jid: '5511977776666@s.whatsapp.net' } as Conversation
    render(<PrivacyPanel conversation={conversation} onClose={() => {}} onDone={() => {}} />)
    await waitFor(() => expect(screen.getByTestId('privacy-log').children).toHaveLength(2))
    expect(fetched[0]).toBe('/api/audit-log/?conversation=c1&page_size=50')
    expect(screen.getByTestId('privacy-log').textContent).toContain('Ana encaminhou uma imagem')
    expect(screen.getByTestId('privacy-log').textContent).toContain('10.0.0.1')
  })
})
