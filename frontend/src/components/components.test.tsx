import { act, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Attachment, Message } from '../api/types'
import { newMessage, policy } from '../test-fixtures'
import { ChatProvider } from '../state/ChatContext'
import { guardPageWhileUploading, resetUploads, sendFiles, snapshot } from '../state/uploads'
import { AttachmentView } from './AttachmentView'
import { AudioPlayer, barsOf, nextSpeed, speedLabel } from './AudioPlayer'
import { Avatar } from './Avatar'
import { documentKind } from './DocumentCard'
import { Lightbox } from './Lightbox'
import { frameSize } from './mediaSize'
import { MessageBubble } from './MessageBubble'
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
  it('a group without a picture shows a people silhouette, named for screen readers', () => {
    render(<Avatar name="Equipe Vendas" url={null} colourKey="x" group />)
    expect(screen.getByRole('img', { name: 'Equipe Vendas' }).querySelector('[data-testid=avatar-group]')).toBeTruthy()
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

  it('a file going up from another tab shows no frozen 0 %', () => {
    const going: Attachment = { ...voice, id: 'x1', category: 'document', status: 'uploading', file_name: 'a.pdf', urls: {} }
    const message = { id: 'm9', conversation: 'c1', direction: 'out', attachments: [going] } as unknown as Message
    render(
      <ChatProvider policy={null}>
        <AttachmentView attachment={going} message={message} onOpenImage={() => {}} />
      </ChatProvider>,
    )
    expect(screen.getByTestId('upload-elsewhere').textContent).toBe('Aguardando o arquivo…')
    expect(screen.queryByRole('progressbar')).toBeNull()
  })

  it('the browser asks before leaving while a file is going up, and not after', () => {
    vi.spyOn(globalThis, 'fetch').mockReturnValue(new Promise(() => {})) // the start never answers
    const unguard = guardPageWhileUploading()
    const leave = () => {
      const event = new Event('beforeunload', { cancelable: true })
      window.dispatchEvent(event)
      return event.defaultPrevented
    }
    expect(leave()).toBe(false)
    act(() => sendFiles(policy, 'c1', [new File(['%PDF-1.4'], 'a.pdf', { type: 'application/pdf' })]))
    expect(snapshot()[0].phase).toBe('starting')
    expect(leave()).toBe(true)
    act(() => resetUploads())
    expect(leave()).toBe(false)
    unguard()
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

  it('small pictures and videos are drawn at least 240 px wide, keeping their shape', () => {
    expect(frameSize({ category: 'video', metadata: { width: 160, height: 120 } })).toEqual({ width: 240, height: 180 })
    expect(frameSize({ category: 'image', metadata: { width: 100, height: 400 } })).toEqual({ width: 120, height: 360 })
    expect(frameSize({ category: 'image', metadata: { width: 300, height: 200 } })).toEqual({ width: 300, height: 200 })
  })

  it('a PDF or Office file keeps its card while processing, with the preview box reserved; other documents have none', () => {
    const pdf: Attachment = { ...voice, id: 'd1', category: 'document', mime_type: '', size: 2048, file_name: 'Contrato.PDF', status: 'processing', metadata: {}, urls: {} }
    const doc = { ...message, attachments: [pdf] } as Message
    const view = (attachment: Attachment) =>
      render(
        <ChatProvider policy={null}>
          <AttachmentView attachment={attachment} message={doc} onOpenImage={() => {}} />
        </ChatProvider>,
      )
    const pending = view(pdf)
    expect(pending.getByTestId('attachment').getAttribute('aria-busy')).toBe('true')
    expect(pending.getByTestId('document-preview-pending')).toBeTruthy()
    expect(pending.getByTestId('document-name').textContent).toBe('Contrato.PDF')
    expect(pending.queryByRole('link')).toBeNull() // nothing to open yet
    pending.unmount()
    const ready = view({ ...pdf, status: 'ready', mime_type: 'application/pdf', metadata: { pages: 3 }, urls: { original: '/o', preview: '/p' } })
    expect(ready.getByTestId('document-preview')).toBeTruthy()
    expect(ready.getByTestId('document-details').textContent).toBe('3 páginas · 2,0 KB · PDF')
    ready.unmount()
    const sheet = view({ ...pdf, file_name: 'planilha.xlsx' })
    expect(sheet.getByTestId('document-preview-pending')).toBeTruthy()
    sheet.unmount()
    const archive = view({ ...pdf, file_name: 'fotos.zip' })
    expect(archive.queryByTestId('document-preview-pending')).toBeNull()
    archive.unmount()
    const xlsx = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    const budget = view({ ...pdf, status: 'ready', mime_type: xlsx, file_name: 'orçamento.xlsx', metadata: { pages: 10, sheets: 5 }, urls: { original: '/o', preview: '/p' } })
    expect(budget.getByTestId('document-details').textContent).toBe('5 planilhas · 2,0 KB · XLS')
    expect(budget.getAllByRole('link').map((link) => link.textContent)).toContain('Abrir')
    budget.unmount()
    const slides = view({ ...pdf, status: 'ready', mime_type: 'application/vnd.ms-powerpoint', file_name: 'proposta.ppt', metadata: { pages: 3, slides: 3 }, urls: { original: '/o' } })
    expect(slides.getByTestId('document-details').textContent).toBe('3 slides · 2,0 KB · PPT')
    // No preview (LibreOffice absent or it failed): still openable, only a PDF without one is not.
    expect(slides.getAllByRole('link').map((link) => link.textContent)).toContain('Abrir')
  })
})

describe('Lightbox', () => {
  const pictures: Attachment[] = ['a', 'b'].map((id) => ({
    ...voice,
    id,
    category: 'image',
    mime_type: 'image/jpeg',
    file_name: `${id}.jpg`,
    metadata: { width: 800, height: 600 },
    urls: { original: `/media/${id}`, preview: `/media/${id}/preview` },
  }))
  const pointer = (type: string, target: Element, x: number, y: number, pointerId = 1) =>
    fireEvent(target, Object.assign(new MouseEvent(type, { bubbles: true, clientX: x, clientY: y }), { pointerId }))

  it('zooms, pans a zoomed picture only to its edges, and a drag is not a click', () => {
    vi.spyOn(HTMLElement.prototype, 'offsetWidth', 'get').mockReturnValue(400)
    vi.spyOn(HTMLElement.prototype, 'offsetHeight', 'get').mockReturnValue(300)
    const onClose = vi.fn()
    render(<Lightbox images={pictures} startId="a" onClose={onClose} />)
    const image = screen.getByTestId('lightbox-image')
    fireEvent.load(image)
    pointer('pointerdown', image, 100, 100)
    pointer('pointermove', image, 300, 100)
    pointer('pointerup', image, 300, 100)
    expect(image.dataset.offset).toBe('0,0') // not zoomed: nothing to pan
    fireEvent.click(screen.getByRole('button', { name: 'Aumentar zoom' }))
    fireEvent.click(screen.getByRole('button', { name: 'Aumentar zoom' }))
    expect(screen.getByTestId('lightbox-zoom').textContent).toBe('200%')
    pointer('pointerdown', image, 100, 100)
    pointer('pointermove', image, 150, 120)
    expect(image.dataset.offset).toBe('50,20')
    pointer('pointermove', image, 900, 900)
    pointer('pointerup', image, 900, 900)
    fireEvent.click(image) // the click that ends a drag
    expect(image.dataset.offset).toBe('200,150') // half the picture each way at 2×
    expect(screen.getByTestId('lightbox-zoom').textContent).toBe('200%')
    fireEvent.click(screen.getByRole('button', { name: 'Diminuir zoom' }))
    expect(image.dataset.offset).toBe('100,75')
    fireEvent.keyDown(window, { key: 'ArrowRight' })
    expect(screen.getByTestId('lightbox-counter').textContent).toContain('2')
    expect(screen.getByTestId('lightbox-zoom').textContent).toBe('100%')
    fireEvent.keyDown(window, { key: 'Escape' })
    expect(onClose).toHaveBeenCalled()
  })
})

describe('media the browser is never handed to draw', () => {
  const inbound = (attachment: Attachment) =>
    ({ id: 'm-np', conversation: 'c1', direction: 'in', attachments: [attachment] }) as unknown as Message
  const bomb: Attachment = {
    id: 'np1',
    status: 'ready',
    category: 'image',
    mime_type: 'image/png',
    size: 48_685,
    file_name: 'bomba.png',
    error: null,
    metadata: { width: 20000, height: 20000, preview_error_code: 'too_many_pixels' },
    urls: { original: '/media/np1/original?sig=x' },
  }
  const show = (attachment: Attachment) =>
    render(
      <ChatProvider policy={policy}>
        <AttachmentView attachment={attachment} message={inbound(attachment)} onOpenImage={() => {}} />
      </ChatProvider>,
    )

  it('a picture without thumb or preview is a card with dimensions and a download, no <img>', () => {
    const { container } = show(bomb)
    expect(screen.getByTestId('no-preview-title').textContent).toBe('Imagem muito grande para pré-visualizar')
    expect(screen.getByTestId('no-preview-details').textContent).toContain('20000 × 20000 px')
    expect(screen.getByRole('link', { name: 'Baixar' }).getAttribute('href')).toBe('/media/np1/original?sig=x&download=1')
    expect(container.querySelector('img')).toBeNull()
  })
  it('a video without poster and a sticker without thumb are cards too', () => {
    const { container } = show({ ...bomb, id: 'np2', category: 'video', mime_type: 'video/mp4', metadata: { duration: 12 } })
    expect(screen.getByTestId('no-preview-title').textContent).toBe('Vídeo sem pré-visualização')
    expect(container.querySelector('video')).toBeNull()
  })
  it('"Tentar de novo" is offered only for a failure that may heal, with the reason in Portuguese', () => {
    const refused = { ...bomb, status: 'failed' as const, urls: {}, error: { code: 'infected', message: 'x', retryable: false } }
    show(refused)
    expect(screen.queryByRole('button', { name: 'Tentar de novo' })).toBeNull()
    expect(screen.getByRole('alert').textContent).toContain('antivírus')
  })
})

describe('MessageBubble: what happened to a message', () => {
  const bubble = (patch: Partial<Message>) =>
    render(
      <ChatProvider policy={null}>
        <MessageBubble message={newMessage({ direction: 'in', status: 'delivered', wa_message_id: 'W1', ...patch })} showAuthor={false} contactName="Ana" onOpenImage={() => undefined} />
      </ChatProvider>,
    )

  it('a file removed for everyone shows who removed it and when; removing is offered only to who may', () => {
    const removed = { ...voice, id: 'r1', file_name: '', size: null, urls: {}, metadata: { removed: { at: '2026-11-26T10:00:00Z', by: 'Carla', reason: 'request' as const } } }
    const first = bubble({ attachments: [removed] })
    expect(first.getByTestId('media-removed').textContent).toMatch(/^🗑️ Mídia removida por Carla · /)
    expect(first.queryByTestId('audio-player')).toBeNull()
    first.unmount()
    const expired = bubble({ attachments: [{ ...removed, metadata: { removed: { at: '2026-11-26T10:00:00Z', by: '', reason: 'retention' as const } } }] })
    expect(expired.getByTestId('media-removed').textContent).toMatch(/^🗑️ Mídia removida pela política de retenção · /)
    expired.unmount()
    const agent = bubble({ attachments: [voice] })
    expect(agent.queryByTestId('remove-media')).toBeNull() // not allowed by default
    agent.unmount()
    const confirm = vi.spyOn(window, 'confirm').mockReturnValue(false)
    render(
      <ChatProvider policy={null} mayRemoveMedia>
        <MessageBubble message={newMessage({ direction: 'in', status: 'delivered', wa_message_id: 'W1', attachments: [voice] })} showAuthor={false} contactName="Ana" onOpenImage={() => undefined} />
      </ChatProvider>,
    )
    fireEvent.click(screen.getByTestId('remove-media'))
    expect(confirm).toHaveBeenCalledWith(expect.stringContaining('não poderá ser recuperado'))
    confirm.mockRestore()
  })

  it("a converted file offers the agent's own file for download; one sent as it is does not", () => {
    const video = { ...voice, id: 'vid', category: 'video' as const, mime_type: 'video/mp4', urls: { original: '/o', source: '/media/vid/source?sig=x' } }
    const first = bubble({ direction: 'out', attachments: [video] })
    const link = first.getByTestId('download-source')
    expect(link.getAttribute('href')).toBe('/media/vid/source?sig=x&download=1')
    expect(link.hasAttribute('download')).toBe(true)
    expect(link.getAttribute('aria-label')).toBe('Baixar arquivo original')
    first.unmount()
    bubble({ direction: 'out', attachments: [{ ...video, urls: { original: '/o' } }] })
    expect(screen.queryByTestId('download-source')).toBeNull()
  })

  it('deleted for everyone: the notice, no text, no file, no actions', () => {
    bubble({ deleted_at: '2026-11-26T10:00:00Z', text: '', attachments: [voice] })
    expect(screen.getByTestId('deleted').textContent).toBe('🚫 Esta mensagem foi apagada')
    expect(screen.queryByTestId('attachment')).toBeNull()
    expect(screen.queryByTestId('message-actions')).toBeNull()
  })

  it('edited, forwarded, with reactions grouped by emoji', () => {
    bubble({
      text: 'novo',
      edited_at: '2026-11-26T10:05:00Z',
      edits: [{ text: 'velho', at: '2026-11-26T10:00:00Z' }],
      forwarded: true,
      forwarding_score: 6,
      reactions: [
        { emoji: '👍', author_jid: '5511@s.whatsapp.net', author_name: 'Ana', from_me: false, at: '2026-11-26T10:01:00Z' },
        { emoji: '👍', author_jid: '', author_name: '', from_me: true, at: '2026-11-26T10:02:00Z' },
      ],
    })
    expect(screen.getByTestId('edited').getAttribute('title')).toContain('velho')
    expect(screen.getByTestId('forwarded').textContent).toContain('Encaminhada com frequência')
    const reaction = screen.getByTestId('reaction')
    expect(reaction.textContent).toBe('👍2')
    expect(reaction.getAttribute('title')).toBe('Ana, Você')
  })

  it('a reply shows what it quotes; a quote of a message we never had shows what it carried', () => {
    bubble({
      text: 'sim',
      reply_to: { id: null, wa_message_id: 'Q', direction: null, author_name: '', text: 'Temos estes modelos', category: '', thumb_url: null },
    })
    expect(screen.getByTestId('quoted').textContent).toContain('Ana')
    expect(screen.getByTestId('quoted-text').textContent).toBe('Temos estes modelos')
  })

  it('a quote thumbnail is drawn only from our own media or an inline JPEG', () => {
    bubble({
      text: 'x',
      reply_to: { id: 'm0', wa_message_id: 'Q', direction: 'out', author_name: '', text: '', category: 'image', thumb_url: 'https://evil.example/a.png' },
    })
    expect(screen.queryByTestId('quoted-thumb')).toBeNull()
    expect(screen.getByTestId('quoted').textContent).toContain('Você')
  })

  it('a view-once file stays behind its tap', () => {
    bubble({ is_view_once: true, attachments: [{ ...voice, category: 'image', urls: {} }] })
    expect(screen.getByTestId('view-once').textContent).toContain('Visualização única')
    expect(screen.queryByTestId('attachment')).toBeNull()
  })
})
