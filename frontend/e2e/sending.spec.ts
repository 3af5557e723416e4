// The web chat sending: text, uploads with progress, cancel, refusals, voice notes, drop and paste,
// retries, avatars and the phone layout. Against the live system and the fake Evolution API; each
// test saves screenshots in $E2E_ARTIFACTS (frontend/e2e-artifacts/<stack>/).
import { expect, test } from '@playwright/test'
import path from 'node:path'
import {
  chatWithNewCustomer,
  FAKE,
  FILES,
  imageLoaded,
  incoming,
  login,
  messages,
  newJid,
  openChat,
  receipt,
  sendReviewed,
  sends,
  shot,
} from './helpers'

test.describe('sending', () => {
  test('a text message goes sent ✓, delivered ✓✓ and read (blue ✓✓)', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Texto')
    await page.getByLabel('Digite uma mensagem').fill('Olá! Seu pedido saiu para entrega.')
    await page.keyboard.press('Enter')
    const mine = page.locator('[data-testid=message][data-direction=out]')
    await expect(mine.getByTestId('status')).toHaveAttribute('data-state', 'sent')
    const sent = (await sends(request)).find((s) => s.route === 'sendText' && s.number === jid)!
    expect(sent.caption).toBe('Olá! Seu pedido saiu para entrega.')
    await receipt(request, sent.id, 'DELIVERY_ACK')
    await expect(mine.getByTestId('status')).toHaveAttribute('data-state', 'delivered')
    await receipt(request, sent.id, 'READ')
    await expect(mine.getByTestId('status')).toHaveAttribute('data-state', 'read')
    await shot(page, '05-text-read')
  })

  test('a send WhatsApp refuses shows failed with the reason, and “Tentar de novo” sends it', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Recusa')
    await request.post(`${FAKE}/__fake/faults`, { data: { route: 'sendText', mode: '404', times: 1 } })
    await page.getByLabel('Digite uma mensagem').fill('Pode confirmar o endereço?')
    await page.keyboard.press('Enter')
    const mine = page.locator('[data-testid=message][data-direction=out]')
    await expect(mine.getByTestId('status')).toHaveAttribute('data-state', 'failed')
    await expect(mine.getByRole('alert')).toContainText('WhatsApp')
    await shot(page, '16a-send-failed')
    await mine.getByRole('button', { name: 'Tentar de novo' }).click()
    await expect(mine.getByTestId('status')).toHaveAttribute('data-state', 'sent')
    expect((await sends(request)).filter((s) => s.number === jid)).toHaveLength(1)
    await shot(page, '16b-send-retried')
  })

  test('a 25 MB document uploads with the progress bar reaching 100 %, then ✓✓ on delivery', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Contrato')
    await page.evaluate(() => {
      const seen = new Set<string>()
      ;(window as unknown as { percents: Set<string> }).percents = seen
      new MutationObserver(() =>
        document.querySelectorAll('[data-testid=upload-percent]').forEach((e) => seen.add(e.textContent ?? '')),
      ).observe(document.body, { subtree: true, childList: true, characterData: true })
    })
    await page.getByLabel('Digite uma mensagem').fill('Segue o contrato assinado')
    await page.getByTestId('file-input-document').setInputFiles(path.join(FILES, 'contract-25mb.pdf'))
    await expect(page.getByLabel('Legenda de contract-25mb.pdf')).toHaveValue('Segue o contrato assinado')
    await sendReviewed(page, 1)
    const mine = page.locator('[data-testid=message][data-direction=out]')
    await expect(mine.getByTestId('status')).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
    const percents = await page.evaluate(() => [...(window as unknown as { percents: Set<string> }).percents])
    const values = percents.map((p) => parseInt(p, 10))
    expect(values).toContain(100)
    expect(values.some((v) => v > 0 && v < 100)).toBeTruthy()
    await expect(mine.getByTestId('document-name')).toHaveText('contract-25mb.pdf')
    const sent = (await sends(request)).find((s) => s.fileName === 'contract-25mb.pdf' && s.number === jid)!
    expect(sent.size).toBeGreaterThan(25 * 1024 * 1024)
    expect(sent.caption).toBe('Segue o contrato assinado') // the text typed before attaching
    await receipt(request, sent.id, 'DELIVERY_ACK')
    await expect(mine.getByTestId('status')).toHaveAttribute('data-state', 'delivered')
    await shot(page, '06-document-delivered')
  })

  test('an upload can be cancelled midway', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Cancela')
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 1024 * 1024, // 1 MB/s: the 10 MB file takes about 10 s
    })
    await page.getByTestId('file-input-document').setInputFiles(path.join(FILES, 'slow-10mb.pdf'))
    await sendReviewed(page, 1)
    const mine = page.locator('[data-testid=message][data-direction=out]')
    await expect(mine.getByTestId('status')).toHaveAttribute('data-state', 'uploading')
    await expect.poll(async () => parseInt((await mine.getByTestId('upload-percent').textContent()) ?? '0', 10)).toBeGreaterThan(4)
    await shot(page, '07a-upload-in-progress')
    const leavingIsQuestioned = () =>
      page.evaluate(() => {
        const leaving = new Event('beforeunload', { cancelable: true })
        window.dispatchEvent(leaving)
        return leaving.defaultPrevented
      })
    expect(await leavingIsQuestioned()).toBe(true) // closing the tab now would lose the file: the browser asks
    await mine.getByRole('button', { name: 'Cancelar envio' }).click()
    const upload = page.getByTestId('upload').filter({ hasText: 'slow-10mb.pdf' })
    await expect(upload.getByTestId('upload-message')).toHaveText('Envio cancelado')
    await expect(mine).toHaveCount(0) // the server deleted the message (message.deleted)
    await shot(page, '07b-upload-cancelled')
    expect(await leavingIsQuestioned()).toBe(false)
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
    await page.waitForTimeout(1000)
    expect((await sends(request)).filter((s) => s.number === jid)).toEqual([])
  })

  test('an oversize file is refused before anything uploads', async ({ page, request }) => {
    await chatWithNewCustomer(page, request, 'Cliente Vídeo')
    const uploadCalls: string[] = []
    page.on('request', (r) => {
      if (r.url().includes('/api/uploads/') && r.method() === 'POST') uploadCalls.push(r.url())
    })
    await page.getByTestId('file-input-media').setInputFiles(path.join(FILES, 'too-big.mp4'))
    const refused = page.getByTestId('review-item').filter({ hasText: 'too-big.mp4' })
    await expect(refused).toHaveAttribute('data-refused', 'true')
    await expect(refused.getByTestId('review-refused')).toHaveText(/tem 101,0 MB; o limite para este tipo de arquivo é 100,0 MB/)
    await expect(page.getByTestId('review-send')).toBeDisabled()
    await shot(page, '08-oversize-refused')
    await page.getByRole('button', { name: 'Cancelar' }).click()
    await expect(page.getByTestId('review-tray')).toHaveCount(0)
    expect(uploadCalls).toEqual([])
    await expect(page.locator('[data-testid=message][data-direction=out]')).toHaveCount(0)
  })

  test('several pictures dropped at once, and a pasted one, are reviewed together and each sent in order', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Fotos')
    const pictures = await page.evaluateHandle(async () => {
      const picture = async (name: string, colour: string) => {
        const canvas = document.createElement('canvas')
        canvas.width = 640
        canvas.height = 480
        const context = canvas.getContext('2d')!
        context.fillStyle = colour
        context.fillRect(0, 0, 640, 480)
        const blob: Blob = await new Promise((done) => canvas.toBlob((b) => done(b!), 'image/png'))
        return new File([blob], name, { type: 'image/png' })
      }
      const drop = new DataTransfer()
      drop.items.add(await picture('vermelha.png', '#c0392b'))
      drop.items.add(await picture('azul.png', '#2980b9'))
      const paste = new DataTransfer()
      paste.items.add(await picture('colada.png', '#27ae60'))
      return { drop, paste }
    })
    const drop = await pictures.getProperty('drop')
    await page.dispatchEvent('[data-testid=messages]', 'dragover', { dataTransfer: drop })
    await expect(page.getByText('Solte os arquivos para enviar')).toBeVisible()
    await shot(page, '14a-drop-zone')
    await page.dispatchEvent('[data-testid=messages]', 'drop', { dataTransfer: drop })
    await expect(page.getByTestId('review-item')).toHaveCount(2)
    const paste = await pictures.getProperty('paste')
    await page.getByLabel('Legenda de vermelha.png').evaluate((input, clipboardData) => {
      const event = new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: clipboardData as DataTransfer })
      input.dispatchEvent(event)
    }, paste)
    await expect(page.getByTestId('review-item')).toHaveCount(3)
    await expect(page.getByTestId('review-image')).toHaveCount(3)
    for (const name of ['vermelha', 'azul', 'colada']) await page.getByLabel(`Legenda de ${name}.png`).fill(`Foto ${name}`)
    await shot(page, '14c-three-pictures-in-review')
    await sendReviewed(page, 3)
    const mine = page.locator('[data-testid=message][data-direction=out][data-category=image]')
    await expect(mine).toHaveCount(3)
    for (let i = 0; i < 3; i++) await expect(mine.nth(i).getByTestId('status')).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
    const sentHere = (await sends(request)).filter((s) => s.number === jid)
    expect(sentHere.map((s) => s.mediatype)).toEqual(['image', 'image', 'image'])
    expect(sentHere.map((s) => s.caption)).toEqual(['Foto vermelha', 'Foto azul', 'Foto colada']) // the order shown
    await imageLoaded(page, '[data-testid=message][data-direction=out] [data-testid=image-thumb]')
    await shot(page, '14b-three-pictures-sent')
  })

  test('a voice note recorded with the microphone arrives at Evolution as OGG/Opus', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Voz')
    await page.getByRole('button', { name: 'Gravar mensagem de voz' }).click()
    await expect(page.getByTestId('recorder')).toBeVisible()
    await expect(page.getByTestId('recording-time')).toHaveText('0:02', { timeout: 10_000 })
    await shot(page, '09a-recording')
    await page.getByRole('button', { name: 'Parar e enviar' }).click()
    const mine = page.locator('[data-testid=message][data-direction=out][data-category=voice]')
    await expect(mine.getByTestId('status')).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
    const voice = (await sends(request)).find((s) => s.number === jid)!
    expect(voice.route).toBe('sendWhatsAppAudio')
    expect(voice.mimetype).toBe('audio/ogg; codecs=opus')
    expect(voice.magic).toBe('OggS')
    expect(voice.opus).toBe(true)
    await expect(mine.getByTestId('waveform')).toBeVisible()
    await shot(page, '09b-voice-note-sent')
  })

  test('the avatar shows the picture, and initials when there is none or it fails', async ({ page, request }) => {
    const withPicture = newJid()
    await incoming(request, 'text', newJid(), 'Sem Foto Silva')
    await incoming(request, 'text', withPicture, 'Com Foto')
    await incoming(request, 'picture', withPicture, 'Com Foto')
    await login(page)
    const row = (name: string) => page.getByTestId('conversation').filter({ hasText: name })
    await expect(row('Sem Foto Silva').getByTestId('avatar-initials')).toHaveText('SS')
    await expect(row('Com Foto').getByTestId('avatar-picture')).toBeVisible()
    await imageLoaded(page, `[data-testid=conversation]:has-text("Com Foto") [data-testid=avatar-picture]`)
    await shot(page, '10a-avatars')
    await page.route('**/media/avatar/**', (route) => route.fulfill({ status: 404, body: '' }))
    await page.reload()
    await expect(row('Com Foto').getByTestId('avatar-initials')).toHaveText('CF')
    await shot(page, '10b-avatar-fallback')
  })

  test('on a phone the list and the chat take the whole screen, and the keyboard works', async ({ page, request }) => {
    await page.setViewportSize({ width: 390, height: 844 })
    const jid = newJid()
    await incoming(request, 'text', jid, 'Cliente Celular')
    await incoming(request, 'image', jid, 'Cliente Celular')
    await login(page)
    await shot(page, '11a-phone-list')
    await openChat(page, 'Cliente Celular')
    await expect(page.getByRole('navigation')).toBeHidden()
    await expect(messages(page, 'image').locator('[data-testid=attachment][data-status=ready]')).toHaveCount(1)
    await imageLoaded(page, '[data-testid=image-thumb]')
    await page.waitForTimeout(400) // the blur-to-sharp fade
    const box = await messages(page, 'image').getByRole('button', { name: 'Abrir imagem' }).boundingBox()
    expect(box!.width).toBeLessThanOrEqual(390)
    await shot(page, '11b-phone-chat')
    await page.getByRole('button', { name: 'Voltar para as conversas' }).click()
    await expect(page.getByRole('navigation')).toBeVisible()
  })
})
