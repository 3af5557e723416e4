// Review before sending (step 11): chosen files wait in a tray with a preview each — picture, video
// frame, PDF first page, audio with its duration — a caption per file, remove one, add more, then
// "Enviar" sends them in order, or Esc cancels; a recorded voice note is heard before it is sent or
// discarded. Against the live system and the fake Evolution API; screenshots in $E2E_ARTIFACTS.
import { expect, test } from '@playwright/test'
import path from 'node:path'
import { chatWithNewCustomer, FILES, imageLoaded, messages, sends, shot } from './helpers'

const file = (name: string) => path.join(FILES, name)

test.describe('review before sending', () => {
  test('previews of each kind, a caption per file, remove one, add more, then all go in order', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Revisão')
    await page.getByLabel('Digite uma mensagem').fill('Fotos e proposta')
    await page.getByTestId('file-input-media').setInputFiles([file('foto-produto.jpg'), file('video-curto.mp4')])
    const tray = page.getByTestId('review-tray')
    const items = tray.getByTestId('review-item')
    await expect(items).toHaveCount(2)
    await expect(page.getByLabel('Legenda de foto-produto.jpg')).toHaveValue('Fotos e proposta') // what was typed moved here
    await page.getByTestId('review-add-input').setInputFiles([file('proposta.pdf'), file('musica.mp3'), file('too-big.mp4')])
    await expect(items).toHaveCount(5)
    await imageLoaded(page, '[data-testid=review-image]')
    await expect(items.filter({ hasText: 'video-curto.mp4' }).getByTestId('review-details')).toContainText('0:02')
    await expect(items.filter({ hasText: 'proposta.pdf' }).getByTestId('review-details')).toContainText('2 páginas')
    const page1 = await page.getByTestId('review-pdf-page').evaluate((canvas: HTMLCanvasElement) => ({ w: canvas.width, h: canvas.height }))
    expect(page1.w).toBeGreaterThan(100)
    expect(page1.h).toBeGreaterThan(100)
    await expect(items.filter({ hasText: 'musica.mp3' }).getByTestId('review-details')).toContainText('0:03')
    await expect(items.filter({ hasText: 'too-big.mp4' })).toHaveAttribute('data-refused', 'true')
    await page.getByLabel('Legenda de video-curto.mp4').fill('Vídeo da peça')
    await page.getByLabel('Legenda de proposta.pdf').fill('Proposta comercial')
    await page.getByLabel('Remover musica.mp3').click()
    await expect(items).toHaveCount(4)
    await expect(page.getByTestId('review-send')).toContainText('Enviar 3 arquivos')
    await shot(page, '40-review-tray')
    expect((await sends(request)).filter((s) => s.number === jid)).toEqual([]) // nothing moved yet
    await page.getByLabel('Legenda de proposta.pdf').press('Enter')
    await expect(tray).toHaveCount(0)
    const mine = page.locator('[data-testid=message][data-direction=out]')
    await expect(mine).toHaveCount(3)
    for (let i = 0; i < 3; i++) await expect(mine.nth(i).getByTestId('status')).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
    const sent = (await sends(request)).filter((s) => s.number === jid)
    expect(sent.map((s) => [s.mediatype, s.caption])).toEqual([
      ['image', 'Fotos e proposta'],
      ['video', 'Vídeo da peça'],
      ['document', 'Proposta comercial'],
    ])
    expect(sent[2].fileName).toBe('proposta.pdf')
    await expect(messages(page, 'document').getByTestId('document-name')).toHaveText('proposta.pdf')
    await shot(page, '41-review-sent-in-order')
  })

  test('Esc cancels the review and nothing is sent', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Desiste')
    const uploads: string[] = []
    page.on('request', (r) => r.url().includes('/api/uploads/') && uploads.push(r.url()))
    await page.getByTestId('file-input-document').setInputFiles(file('proposta.pdf'))
    await expect(page.getByTestId('review-pdf-page')).toBeVisible()
    await page.keyboard.press('Escape')
    await expect(page.getByTestId('review-tray')).toHaveCount(0)
    await expect(page.getByLabel('Digite uma mensagem')).toBeVisible()
    expect(uploads).toEqual([])
    expect((await sends(request)).filter((s) => s.number === jid)).toEqual([])
  })

  test('a voice note is heard before it goes: discarded once, then sent', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Escuta')
    const record = async () => {
      await page.getByRole('button', { name: 'Gravar mensagem de voz' }).click()
      await expect(page.getByTestId('recording-time')).toHaveText('0:02', { timeout: 10_000 })
      await page.getByRole('button', { name: 'Parar e ouvir' }).click()
      const preview = page.getByTestId('voice-preview-audio')
      await expect(preview).toBeVisible()
      await expect.poll(() => preview.evaluate((audio: HTMLAudioElement) => audio.readyState)).toBeGreaterThan(0)
    }
    await record()
    await shot(page, '42-voice-note-preview')
    await page.getByRole('button', { name: 'Descartar mensagem de voz' }).click()
    await expect(page.getByTestId('voice-preview')).toHaveCount(0)
    expect((await sends(request)).filter((s) => s.number === jid)).toEqual([])
    await record()
    await page.getByRole('button', { name: 'Enviar mensagem de voz' }).click()
    const voice = page.locator('[data-testid=message][data-direction=out][data-category=voice]')
    await expect(voice.getByTestId('status')).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
    const sent = (await sends(request)).filter((s) => s.number === jid)
    expect(sent).toHaveLength(1)
    expect(sent[0].opus).toBe(true)
  })
})
