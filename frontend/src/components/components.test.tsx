import { act, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Attachment, Message } from '../api/types'
import { policy } from '../test-fixtures'
import { ChatProvider } from '../state/ChatContext'
import { resetUploads, sendFiles, snapshot } from '../state/uploads'
import { AttachmentView } from './AttachmentView'
import { AudioPlayer, barsOf, nextSpeed, speedLabel } from './AudioPlayer'
import { Avatar } from './Avatar'
import { documentKind } from './DocumentCard'
import { frameSize } from './mediaSize'
import { StatusTicks } from './StatusTicks'

const voice: Attachment = {
  id: 'v1',
  status: 'ready',
  category: 'voice',
  mime_type: 'audio/ogg',
  size: 5000,
  file_name: 'nota.ogg',
  error: null,
  metadata: { duration: 20, waveform: Array.from({ length: 64 }, (_, i) => i) },
  urls: { original: '/media/v1/original', playback: '/media/v1/playback' },
}

afterEach(() => {
  resetUploads()
  vi.restoreAllMocks()
})

describe('Avatar', () => {
  it('shows initials when there is no picture', () => {
    render(<Avatar name="João Cliente" url={null} colourKey="x" />)
    expect(screen.getByTestId('avatar-initials').textContent).toBe('JC')
  })
  it('shows a skeleton while loading and falls back to initials when the picture fails', () => {
    render(<Avatar name="Maria Souza" url="/media/avatar/1" colourKey="x" />)
    expect(screen.getByTestId('avatar-skeleton')).toBeTruthy()
    fireEvent.error(screen.getByTestId('avatar-picture'))
    expect(screen.getByTestId('avatar-initials').textContent).toBe('MS')
  })
})

describe('AudioPlayer', () => {
  it('plays the playback rendition and cycles 1× → 1,5× → 2× → 1×', () => {
    render(<AudioPlayer attachment={voice} />)
    expect(screen.getByTestId('audio-element').getAttribute('src')).toBe('/media/v1/playback')
    const speed = screen.getByTestId('audio-speed')
    expect(speed.textContent).toBe('1×')
    fireEvent.click(speed)
    expect(speed.textContent).toBe('1,5×')
    expect((screen.getByTestId('audio-element') as HTMLAudioElement).playbackRate).toBe(1.5)
    fireEvent.click(speed)
    fireEvent.click(speed)
    expect(speed.textContent).toBe('1×')
  })
  it('seeks with the keyboard and shows progress on the waveform', () => {
    render(<AudioPlayer attachment={voice} />)
    const slider = screen.getByRole('slider')
    expect(screen.getByTestId('audio-time').textContent).toBe('0:00 / 0:20')
    fireEvent.keyDown(slider, { key: 'ArrowRight' })
    fireEvent.keyDown(slider, { key: 'ArrowRight' })
    expect(slider.getAttribute('aria-valuenow')).toBe('10')
    const played = slider.querySelectorAll('[data-played="true"]').length
    expect(played).toBe(32)
    fireEvent.keyDown(slider, { key: 'End' })
    expect(screen.getByTestId('audio-time').textContent).toBe('0:20 / 0:20')
  })
  it('helpers', () => {
    expect(barsOf(undefined)).toHaveLength(64)
    expect(barsOf([10, 20])).toHaveLength(64)
    expect(nextSpeed(2)).toBe(1)
    expect(speedLabel(1.5)).toBe('1,5×')
  })
})

describe('StatusTicks', () => {
  it.each(['uploading', 'processing', 'sent', 'delivered', 'read', 'failed'] as const)('names %s', (state) => {
    render(<StatusTicks state={state} />)
    expect(screen.getByTestId('status').getAttribute('data-state')).toBe(state)
  })
})

describe('media boxes', () => {
  it('reserve the final size from metadata', () => {
    expect(frameSize({ category: 'image', metadata: { width: 1600, height: 1200 } })).toEqual({ width: 330, height: 248 })
    expect(frameSize({ category: 'image', metadata: { width: 600, height: 1800 } })).toEqual({ width: 120, height: 360 })
    expect(frameSize({ category: 'sticker', metadata: {} })).toEqual({ width: 160, height: 160 })
  })
  it('label documents by type', () => {
    expect(documentKind('application/pdf', 'a.pdf').label).toBe('PDF')
    expect(documentKind('application/octet-stream', 'planilha.xlsx').label).toBe('XLSX')
  })
})

describe('uploads', () => {
  it('refuses an oversize file before any request', () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch')
    const big = new File(['x'], 'video.mp4', { type: 'video/mp4' })
    Object.defineProperty(big, 'size', { value: 40 * 1024 * 1024 })
    act(() => sendFiles(policy, 'c1', [big]))
    const [entry] = snapshot()
    expect(entry.phase).toBe('failed')
    expect(entry.retryable).toBe(false)
    expect(entry.error).toContain('40,0 MB')
    expect(fetchSpy).not.toHaveBeenCalled()
  })
})

describe('no layout jump', () => {
  const picture: Attachment = {
    ...voice,
    id: 'p1',
    category: 'image',
    mime_type: 'image/jpeg',
    status: 'processing',
    metadata: { width: 1280, height: 960, placeholder: 'data:image/jpeg;base64,/9j/' },
    urls: {},
  }
  const message = { id: 'm1', conversation: 'c1', direction: 'in', attachments: [picture] } as unknown as Message
  const box = (attachment: Attachment) => {
    const { container } = render(
      <ChatProvider policy={null}>
        <AttachmentView attachment={attachment} message={message} onOpenImage={() => {}} />
      </ChatProvider>,
    )
    const frame = container.querySelector('[data-testid=attachment]')!
    const sized = (frame.getAttribute('style') ? frame : frame.firstElementChild) as HTMLElement
    return { width: sized.style.width, aspectRatio: sized.style.aspectRatio }
  }

  it('a picture takes the same box while processing (with WhatsApp’s placeholder) and when ready', () => {
    const processing = box(picture)
    const ready = box({ ...picture, status: 'ready', metadata: { width: 1280, height: 960, blurhash: 'LEHV6nWB2yk8pyo0adR*.7kCMdnj' }, urls: { thumb: '/t' } })
    expect(processing).toEqual({ width: '330px', aspectRatio: '330 / 248' })
    expect(ready).toEqual(processing)
  })
})
