import { act, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { api } from '../api/client'
import type { QuickReply } from '../api/types'
import { ChatProvider } from '../state/ChatContext'
import { policy } from '../test-fixtures'
import { Composer } from './Composer'
import { matching, typedShortcut } from './QuickReplies'

const reply = (shortcut: string, text: string, files: QuickReply['files'] = []): QuickReply => ({
  id: shortcut,
  shortcut,
  text,
  files,
  created_at: '2026-12-01T10:00:00Z',
  updated_at: '2026-12-01T10:00:00Z',
})
const LIBRARY = [
  reply('boleto', 'Segue o boleto', [
    { id: 'f1', file_name: 'boleto.pdf', category: 'document', mime_type: 'application/pdf', size: 1000, duration: null },
    { id: 'f2', file_name: 'explica.ogg', category: 'voice', mime_type: 'audio/ogg', size: 900, duration: 12 },
  ]),
  reply('horario', 'Atendemos de 8h às 18h'),
  reply('pix-boleto', 'Chave pix: 123'),
]

afterEach(() => vi.restoreAllMocks())

describe('quick reply helpers', () => {
  it('sees a shortcut only while the composer holds / and letters', () => {
    expect(typedShortcut('/')).toBe('')
    expect(typedShortcut('/Bol')).toBe('bol')
    expect(typedShortcut('/bol ')).toBeNull()
    expect(typedShortcut('olá /bol')).toBeNull()
  })
  it('lists shortcuts that start with it first', () => {
    expect(matching(LIBRARY, 'bol').map((r) => r.shortcut)).toEqual(['boleto', 'pix-boleto'])
    expect(matching(LIBRARY, '').length).toBe(3)
  })
})

function composer() {
  return render(
    <ChatProvider policy={policy}>
      <Composer conversationId="c1" />
    </ChatProvider>,
  )
}

describe('the composer’s / picker', () => {
  it('fills in a text answer to be edited', async () => {
    vi.spyOn(api, 'quickReplies').mockResolvedValue(LIBRARY)
    composer()
    const box = screen.getByRole('textbox', { name: 'Digite uma mensagem' })
    fireEvent.change(box, { target: { value: '/hor' } })
    expect(await screen.findAllByTestId('quick-option')).toHaveLength(1)
    fireEvent.keyDown(box, { key: 'Enter' })
    expect((box as HTMLTextAreaElement).value).toBe('Atendemos de 8h às 18h')
    expect(screen.queryByTestId('quick-picker')).toBeNull()
  })
  it('shows an answer with files to be sent as it is, in this chat', async () => {
    vi.spyOn(api, 'quickReplies').mockResolvedValue(LIBRARY)
    const send = vi.spyOn(api, 'sendQuickReply').mockResolvedValue([])
    composer()
    const box = screen.getByRole('textbox', { name: 'Digite uma mensagem' })
    fireEvent.change(box, { target: { value: '/bol' } })
    expect(await screen.findAllByTestId('quick-option')).toHaveLength(2)
    fireEvent.keyDown(box, { key: 'ArrowDown' })
    fireEvent.keyDown(box, { key: 'ArrowUp' })
    fireEvent.keyDown(box, { key: 'Tab' })
    const card = screen.getByTestId('quick-card')
    expect(card.textContent).toContain('/boleto')
    expect(screen.getAllByTestId('quick-card-file').map((f) => f.textContent)).toEqual(['📄 boleto.pdf', '🎤 Áudio 0:12'])
    await act(async () => fireEvent.click(screen.getByTestId('quick-send')))
    expect(send).toHaveBeenCalledWith('boleto', 'c1', null)
    expect(screen.queryByTestId('quick-card')).toBeNull()
  })
  it('Esc closes the list and leaves the text', async () => {
    vi.spyOn(api, 'quickReplies').mockResolvedValue(LIBRARY)
    composer()
    const box = screen.getByRole('textbox', { name: 'Digite uma mensagem' })
    fireEvent.change(box, { target: { value: '/' } })
    await screen.findAllByTestId('quick-option')
    fireEvent.keyDown(box, { key: 'Escape' })
    expect(screen.queryByTestId('quick-picker')).toBeNull()
    expect((box as HTMLTextAreaElement).value).toBe('/')
  })
})
