import { act, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { policy } from '../test-fixtures'
import { ChatProvider } from '../state/ChatContext'
import { addDrafts, draftsSnapshot, resetDrafts, sendDrafts } from '../state/review'
import { resetUploads, snapshot } from '../state/uploads'
import { ReviewTray } from './ReviewTray'

// The bytes' transfer (XHR) ends only when a test says: a pending one holds the next file back.
const transfers = vi.hoisted(() => ({ pending: [] as { signal: AbortSignal; done: () => void }[] }))
vi.mock('../lib/transfer', async (original) => ({
  ...(await original<typeof import('../lib/transfer')>()),
  transfer: (_file: File, _upload: unknown, signal: AbortSignal) =>
    new Promise<{ number: number; etag: string }[]>((resolve) => transfers.pending.push({ signal, done: () => resolve([]) })),
}))

afterEach(() => {
  transfers.pending.length = 0
  resetDrafts()
  resetUploads()
  vi.restoreAllMocks()
})

const photo = () => new File(['\xff\xd8\xff'], 'foto.jpg', { type: 'image/jpeg' })
const pdf = () => new File(['%PDF-1.4'], 'proposta.pdf', { type: 'application/pdf' })
const song = () => new File(['ID3'], 'musica.mp3', { type: 'audio/mpeg' })
function huge() {
  const file = new File(['x'], 'filme.mp4', { type: 'video/mp4' })
  Object.defineProperty(file, 'size', { value: 40 * 1024 * 1024 })
  return file
}

function tray(replyTo: string | null = null, onSent = () => {}) {
  return render(
    <ChatProvider policy={policy}>
      <ReviewTray conversationId="c1" replyTo={replyTo} onSent={onSent} />
    </ChatProvider>,
  )
}

/** The API as far as uploads go: POST /api/uploads/ recorded and answered, completes answered,
 * anything else (the provider's own first requests) answered empty. */
function fakeApi() {
  const starts: { file_name: string; caption: string; reply_to?: string; after?: string }[] = []
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = String(input)
    if (url.endsWith('/api/uploads/') && init?.method === 'POST') {
      starts.push(JSON.parse(String(init.body)))
      return new Response(JSON.stringify({ id: `a${starts.length}`, upload: { method: 'PUT', url: '/put', headers: {} } }), { status: 201, headers: { 'Content-Type': 'application/json' } })
    }
    return new Response(JSON.stringify({ results: [], next: null }), { status: 200, headers: { 'Content-Type': 'application/json' } })
  })
  return starts
}

const uploadsStarted = () =>
  (vi.mocked(globalThis.fetch).mock.calls ?? []).filter(([input]) => String(input).includes('/api/uploads/')).length

describe('review before sending', () => {
  it('nothing moves until Enviar: files wait with their previews, the refused flagged with the reason', () => {
    fakeApi()
    act(() => addDrafts(policy, 'c1', [photo(), pdf(), song(), huge()], { caption: 'Segue' }))
    tray()
    const items = screen.getAllByTestId('review-item')
    expect(items.map((i) => i.dataset.kind)).toEqual(['image', 'pdf', 'audio', 'document'])
    expect(screen.getByTestId('review-image')).toBeTruthy()
    expect(screen.getByTestId('review-audio')).toBeTruthy()
    expect(items[3].dataset.refused).toBe('true')
    expect(screen.getByTestId('review-refused').textContent).toContain('40,0 MB')
    expect((screen.getByLabelText('Legenda de foto.jpg') as HTMLInputElement).value).toBe('Segue')
    expect(screen.getByTestId('review-send').textContent).toContain('Enviar 3 arquivos')
    expect(uploadsStarted()).toBe(0)
  })

  it('a file is removed, Esc cancels them all, and nothing was sent', () => {
    fakeApi()
    act(() => addDrafts(policy, 'c1', [photo(), pdf()]))
    act(() => addDrafts(policy, 'c2', [song()]))
    tray()
    fireEvent.click(screen.getByLabelText('Remover foto.jpg'))
    expect(screen.getAllByTestId('review-item')).toHaveLength(1)
    fireEvent.keyDown(window, { key: 'Escape' })
    expect(screen.queryByTestId('review-tray')).toBeNull()
    expect(draftsSnapshot().map((d) => d.conversation)).toEqual(['c2']) // another chat's review stays
    expect(uploadsStarted()).toBe(0)
    expect(snapshot()).toEqual([])
  })

  it('Enter in a caption sends every acceptable file, in order, each with its caption; the reply goes with the first', async () => {
    const starts = fakeApi()
    const onSent = vi.fn()
    act(() => addDrafts(policy, 'c1', [photo(), huge(), pdf()]))
    tray('m7', onSent)
    fireEvent.change(screen.getByLabelText('Legenda de foto.jpg'), { target: { value: 'A foto' } })
    fireEvent.change(screen.getByLabelText('Legenda de proposta.pdf'), { target: { value: ' A proposta ' } })
    fireEvent.keyDown(screen.getByLabelText('Legenda de proposta.pdf'), { key: 'Enter' })
    expect(onSent).toHaveBeenCalledOnce()
    expect(screen.queryByTestId('review-tray')).toBeNull()
    expect(snapshot().map((e) => e.fileName)).toEqual(['foto.jpg', 'proposta.pdf']) // the refused one is not sent
    await vi.waitFor(() => expect(starts).toHaveLength(1))
    // In order: the PDF starts only after the photo's upload has ended (here it has not).
    await vi.waitFor(() => expect(transfers.pending).toHaveLength(1))
    await new Promise((done) => setTimeout(done, 30))
    expect(starts).toEqual([{ conversation: 'c1', file_name: 'foto.jpg', mime_type: 'image/jpeg', size: 6, voice: false, caption: 'A foto', reply_to: 'm7' }])
  })

  it('the next file in order starts when the one before has ended, and gets its own caption', async () => {
    const starts = fakeApi()
    act(() => addDrafts(policy, 'c1', [photo(), pdf()]))
    act(() => void sendDrafts(policy, 'c1', null))
    await vi.waitFor(() => expect(transfers.pending).toHaveLength(1))
    await new Promise((done) => setTimeout(done, 30))
    expect(starts).toHaveLength(1)
    await act(async () => transfers.pending[0].done()) // the photo is up (then completed): the PDF's turn
    await vi.waitFor(() => expect(starts).toHaveLength(2))
    expect(starts[1].file_name).toBe('proposta.pdf')
    expect(starts[1].reply_to).toBeUndefined()
    expect(starts[1].after).toBe('a1') // the server sends it after the photo, however its workers run
    expect(starts[0].after).toBeUndefined()
  })

  it('Enviar is disabled when no file can be sent', () => {
    act(() => addDrafts(policy, 'c1', [huge()]))
    tray()
    expect((screen.getByTestId('review-send') as HTMLButtonElement).disabled).toBe(true)
    expect(screen.getByText('Nenhum destes arquivos pode ser enviado.')).toBeTruthy()
  })
})
