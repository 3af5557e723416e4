import { fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { api } from '../api/client'
import type { Attachment } from '../api/types'
import { FOLDED_CHARS, Transcript, transcriptFailure } from './Transcript'

const note = (metadata: Attachment['metadata']): Attachment => ({
  id: 'v1',
  status: 'ready',
  category: 'voice',
  mime_type: 'audio/ogg',
  size: 1000,
  file_name: 'nota.ogg',
  error: null,
  metadata,
  urls: { original: '/media/v1/original' },
})

afterEach(() => vi.restoreAllMocks())

describe('Transcript', () => {
  it('shows nothing when the server does not transcribe', () => {
    const { container } = render(<Transcript attachment={note({ duration: 3 })} />)
    expect(container.textContent).toBe('')
  })
  it('says it is transcribing, then shows the text under its title', () => {
    const { rerender } = render(<Transcript attachment={note({ transcript_status: 'pending' })} />)
    expect(screen.getByTestId('transcript').textContent).toBe('Transcrevendo…')
    rerender(<Transcript attachment={note({ transcript_status: 'done', transcript: 'Bom dia, tudo bem?' })} />)
    expect(screen.getByTestId('transcript').textContent).toBe('TranscriçãoBom dia, tudo bem?')
  })
  it('folds a long transcript behind “Ler mais”', () => {
    const long = 'palavra '.repeat(80).trim()
    render(<Transcript attachment={note({ transcript_status: 'done', transcript: long })} />)
    expect(screen.getByTestId('transcript-text').textContent!.length).toBeLessThanOrEqual(FOLDED_CHARS + 1)
    fireEvent.click(screen.getByRole('button', { name: 'Ler mais' }))
    expect(screen.getByTestId('transcript-text').textContent).toBe(long)
  })
  it('says why it failed in Portuguese and asks again', () => {
    const ask = vi.spyOn(api, 'transcribe').mockResolvedValue({ id: 'v1', status: 'pending' })
    const error = { code: 'transcription_unavailable', message: 'the transcription server answered 500' }
    render(<Transcript attachment={note({ transcript_status: 'failed', transcript_error: error })} />)
    expect(screen.getByTestId('transcript').textContent).toContain('Não foi possível transcrever: o serviço de transcrição não respondeu.')
    fireEvent.click(screen.getByRole('button', { name: 'Tentar de novo' }))
    expect(ask).toHaveBeenCalledWith('v1')
    expect(screen.getByTestId('transcript').textContent).toBe('Transcrevendo…')
  })
  it('falls back to the server’s reason for a code it does not know', () => {
    expect(transcriptFailure({ code: 'new_code', message: 'something else' })).toBe('Não foi possível transcrever: something else')
    expect(transcriptFailure(undefined)).toBe('Não foi possível transcrever.')
  })
})
