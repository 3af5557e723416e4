// The web chat as an agent uses it, against the live system and the fake Evolution API.
// Each test saves a screenshot in $E2E_ARTIFACTS (frontend/e2e-artifacts/<stack>/).
import { expect, test, type Page } from '@playwright/test'
import path from 'node:path'
import {
  FAKE,
  FILES,
  imageLoaded,
  incoming,
  login,
  messages,
  newJid,
  openChat,
  receipt,
  sends,
  shot,
} from './helpers'

test.describe.serial('incoming media', () => {
  let page: Page
  const jid = newJid()
  const name = 'Cliente Mídia'
  const mediaRequests = new Map<string, { url: string; fromCache: boolean }>()

  test.beforeAll(async ({ browser, request }) => {
    page = await browser.newPage()
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.enable')
    cdp.on('Network.requestWillBeSent', (e) => {
      if (new URL(e.request.url).pathname.startsWith('/media/')) mediaRequests.set(e.requestId, { url: e.request.url, fromCache: false })
    })
    cdp.on('Network.requestServedFromCache', (e) => {
      const seen = mediaRequests.get(e.requestId)
      if (seen) seen.fromCache = true
    })
    cdp.on('Network.responseReceived', (e) => {
      const seen = mediaRequests.get(e.requestId)
      if (seen && (e.response.fromDiskCache || e.response.fromPrefetchCache)) seen.fromCache = true
    })
    await incoming(request, 'text', jid, name)
    await login(page)
    await openChat(page, name)
  })

  test.afterAll(async () => page.close())

  test('image, voice note, document and video appear live, with thumbnail, waveform, preview and poster', async ({ request }) => {
    for (const kind of ['image', 'voice', 'document', 'video', 'sticker'] as const) await incoming(request, kind, jid, name)
    for (const category of ['image', 'voice', 'document', 'video', 'sticker']) {
      await expect(messages(page, category).locator('[data-testid=attachment][data-status=ready]')).toHaveCount(1)
    }
    await imageLoaded(page, '[data-testid=image-thumb]')
    await expect(messages(page, 'voice').locator('[data-testid=waveform] > span')).toHaveCount(64)
    await imageLoaded(page, '[data-testid=document-preview]')
    await expect(messages(page, 'document').getByTestId('document-details')).toContainText('1 página')
    await expect(page.getByTestId('video')).toHaveAttribute('poster', /\/media\/.+\/poster\?/)
    // The native player seeks (the original is served with Range).
    const seeked = await page.getByTestId('video').evaluate(
      (video: HTMLVideoElement) =>
        new Promise<number>((done, fail) => {
          video.addEventListener('error', () => fail(new Error(`video error ${video.error?.code}`)), { once: true })
          video.addEventListener('loadedmetadata', () => (video.currentTime = video.duration / 2), { once: true })
          video.addEventListener('seeked', () => done(video.currentTime / video.duration), { once: true })
          video.preload = 'auto'
          video.load()
        }),
    )
    expect(seeked).toBeGreaterThan(0.3)
    expect(seeked).toBeLessThan(0.7)
    await imageLoaded(page, '[data-testid=sticker]')
    await expect(page.getByTestId('conversation').filter({ hasText: name }).getByTestId('conversation-preview')).toContainText('Figurinha')
    await shot(page, '01-incoming-media')
  })

  test('the lightbox opens, zooms, and closes with Esc', async () => {
    await page.getByRole('button', { name: 'Abrir imagem' }).click()
    const lightbox = page.getByTestId('lightbox')
    await expect(lightbox).toBeVisible()
    await imageLoaded(page, '[data-testid=lightbox-image]')
    await page.getByRole('button', { name: 'Aumentar zoom' }).click()
    await expect(page.getByTestId('lightbox-zoom')).toHaveText('150%')
    await shot(page, '02-lightbox')
    await page.keyboard.press('Escape')
    await expect(lightbox).toBeHidden()
    await expect(page.getByRole('button', { name: 'Abrir imagem' })).toBeFocused()
  })

  test('a voice note plays; seeking moves the position; the speed changes', async () => {
    const player = messages(page, 'voice').getByTestId('audio-player')
    const audio = player.getByTestId('audio-element')
    await expect(audio).toHaveAttribute('src', /\/playback\?/)
    await player.getByTestId('audio-toggle').click()
    await expect(player).toHaveAttribute('data-playing', 'true')
    await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime)).toBeGreaterThan(0.2)
    await player.getByTestId('audio-toggle').click()
    await expect(player).toHaveAttribute('data-playing', 'false')
    const bar = player.getByTestId('waveform')
    const box = (await bar.boundingBox())!
    await page.mouse.click(box.x + box.width * 0.75, box.y + box.height / 2)
    const position = await audio.evaluate((a: HTMLAudioElement) => a.currentTime / a.duration)
    expect(position).toBeGreaterThan(0.65)
    expect(position).toBeLessThan(0.85)
    // Drag back to a quarter.
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2, { steps: 5 })
    await page.mouse.up()
    const dragged = await audio.evaluate((a: HTMLAudioElement) => a.currentTime / a.duration)
    expect(dragged).toBeGreaterThan(0.15)
    expect(dragged).toBeLessThan(0.35)
    await player.getByTestId('audio-speed').click()
    await expect(player.getByTestId('audio-speed')).toHaveText('1,5×')
    expect(await audio.evaluate((a: HTMLAudioElement) => a.playbackRate)).toBe(1.5)
    await player.getByTestId('audio-speed').click()
    expect(await audio.evaluate((a: HTMLAudioElement) => a.playbackRate)).toBe(2)
    await shot(page, '03-audio-player')
  })

  test('after a reload, media already seen is not downloaded again', async () => {
    const firstLoad = [...mediaRequests.values()].filter((r) => !r.fromCache).map((r) => new URL(r.url).pathname)
    expect(firstLoad.some((p) => p.endsWith('/thumb'))).toBeTruthy() // they did come from the network once
    mediaRequests.clear()
    await page.reload()
    await expect(page.getByTestId('chat-title')).toHaveText(name)
    await imageLoaded(page, '[data-testid=image-thumb]')
    await imageLoaded(page, '[data-testid=document-preview]')
    const again = [...mediaRequests.values()]
    const thumbs = again.filter((r) => /\/(thumb|preview|avatar)\b/.test(new URL(r.url).pathname))
    expect(thumbs.length).toBeGreaterThan(0)
    expect(thumbs.filter((r) => !r.fromCache).map((r) => r.url)).toEqual([])
    await shot(page, '04-after-reload')
  })
})

test('the live connection reconnects by itself and catches up on what it missed', async ({ page, request }) => {
  const jid = newJid()
  let outage = false
  const open: { close: () => Promise<void> }[] = []
  await page.routeWebSocket('**/ws/chat/', (ws) => {
    if (outage) return void ws.close() // the server is unreachable
    ws.connectToServer()
    open.push(ws)
  })
  await incoming(request, 'text', jid, 'Cliente Reconecta')
  await login(page)
  await openChat(page, 'Cliente Reconecta')
  outage = true
  await Promise.all(open.map((ws) => ws.close()))
  await expect(page.getByTestId('connection')).toHaveAttribute('data-connected', 'false')
  await incoming(request, 'image', jid, 'Cliente Reconecta') // its event is lost: nobody is listening
  await shot(page, '12a-reconnecting')
  outage = false
  await expect(page.getByTestId('connection')).toHaveAttribute('data-connected', 'true', { timeout: 30_000 })
  await expect(messages(page, 'image').locator('[data-testid=attachment][data-status=ready]')).toHaveCount(1)
  await imageLoaded(page, '[data-testid=image-thumb]')
  await shot(page, '12b-caught-up')
})

test('a file that could not be fetched shows why, and “Tentar de novo” fetches it', async ({ page, request }) => {
  const jid = newJid()
  await incoming(request, 'text', jid, 'Cliente Falha')
  await login(page)
  await openChat(page, 'Cliente Falha')
  // The WhatsApp CDN and Evolution's fallback both answer 404 once: the file is gone, for now.
  for (const route of ['cdn', 'getBase64FromMediaMessage']) {
    await request.post(`${FAKE}/__fake/faults`, { data: { route, mode: '404', times: 1 } })
  }
  await incoming(request, 'image', jid, 'Cliente Falha')
  const failed = messages(page, 'image').locator('[data-testid=attachment][data-status=failed]')
  await expect(failed).toHaveCount(1)
  await expect(failed).toHaveAttribute('role', 'alert')
  await shot(page, '13a-incoming-failed')
  await failed.getByRole('button', { name: 'Tentar de novo' }).click()
  await expect(messages(page, 'image').locator('[data-testid=attachment][data-status=ready]')).toHaveCount(1)
  await imageLoaded(page, '[data-testid=image-thumb]')
  await shot(page, '13b-incoming-retried')
})

test('the conversation list loads older conversations as it scrolls', async ({ page, request }) => {
  for (let i = 0; i < 55; i++) await incoming(request, 'text', newJid(), `Lote ${String(i).padStart(2, '0')}`)
  await login(page)
  const rows = page.getByTestId('conversation')
  await expect(rows).toHaveCount(50) // one page (within one second, which of them comes first is arbitrary)
  await page.getByRole('navigation').evaluate((list) => (list.scrollTop = list.scrollHeight)) // the end comes into view
  await expect(rows.filter({ hasText: /Lote \d\d/ })).toHaveCount(55)
  expect(await rows.count()).toBeGreaterThan(55)
  await expect(page.getByRole('button', { name: 'Carregar mais conversas' })).toHaveCount(0) // no more pages
  await shot(page, '15-list-scrolled')
})

test.describe('sending', () => {
  test('a text message goes sent ✓, delivered ✓✓ and read (blue ✓✓)', async ({ page, request }) => {
    const jid = newJid()
    await incoming(request, 'text', jid, 'Cliente Texto')
    await login(page)
    await openChat(page, 'Cliente Texto')
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
    const jid = newJid()
    await incoming(request, 'text', jid, 'Cliente Recusa')
    await login(page)
    await openChat(page, 'Cliente Recusa')
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
    const jid = newJid()
    await incoming(request, 'text', jid, 'Cliente Contrato')
    await login(page)
    await openChat(page, 'Cliente Contrato')
    await page.evaluate(() => {
      const seen = new Set<string>()
      ;(window as unknown as { percents: Set<string> }).percents = seen
      new MutationObserver(() =>
        document.querySelectorAll('[data-testid=upload-percent]').forEach((e) => seen.add(e.textContent ?? '')),
      ).observe(document.body, { subtree: true, childList: true, characterData: true })
    })
    await page.getByLabel('Digite uma mensagem').fill('Segue o contrato assinado')
    await page.getByTestId('file-input-document').setInputFiles(path.join(FILES, 'contract-25mb.pdf'))
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
    const jid = newJid()
    await incoming(request, 'text', jid, 'Cliente Cancela')
    await login(page)
    await openChat(page, 'Cliente Cancela')
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 1024 * 1024, // 1 MB/s: the 10 MB file takes about 10 s
    })
    await page.getByTestId('file-input-document').setInputFiles(path.join(FILES, 'slow-10mb.pdf'))
    const mine = page.locator('[data-testid=message][data-direction=out]')
    await expect(mine.getByTestId('status')).toHaveAttribute('data-state', 'uploading')
    await expect.poll(async () => parseInt((await mine.getByTestId('upload-percent').textContent()) ?? '0', 10)).toBeGreaterThan(4)
    await shot(page, '07a-upload-in-progress')
    await mine.getByRole('button', { name: 'Cancelar envio' }).click()
    const upload = page.getByTestId('upload').filter({ hasText: 'slow-10mb.pdf' })
    await expect(upload.getByTestId('upload-message')).toHaveText('Envio cancelado')
    await expect(mine).toHaveCount(0) // the server deleted the message (message.deleted)
    await shot(page, '07b-upload-cancelled')
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
    await page.waitForTimeout(1000)
    expect((await sends(request)).filter((s) => s.number === jid)).toEqual([])
  })

  test('an oversize file is refused before anything uploads', async ({ page, request }) => {
    const jid = newJid()
    await incoming(request, 'text', jid, 'Cliente Vídeo')
    await login(page)
    await openChat(page, 'Cliente Vídeo')
    const uploadCalls: string[] = []
    page.on('request', (r) => {
      if (r.url().includes('/api/uploads/') && r.method() === 'POST') uploadCalls.push(r.url())
    })
    await page.getByTestId('file-input-media').setInputFiles(path.join(FILES, 'too-big.mp4'))
    const refused = page.getByTestId('upload').filter({ hasText: 'too-big.mp4' })
    await expect(refused).toHaveAttribute('data-phase', 'failed')
    await expect(refused.getByTestId('upload-message')).toHaveText(/tem 17,0 MB; o limite para este tipo de arquivo é 16,0 MB/)
    await shot(page, '08-oversize-refused')
    expect(uploadCalls).toEqual([])
    await expect(page.locator('[data-testid=message][data-direction=out]')).toHaveCount(0)
  })

  test('several pictures dropped at once, and a pasted one, are each sent', async ({ page, request }) => {
    const jid = newJid()
    await incoming(request, 'text', jid, 'Cliente Fotos')
    await login(page)
    await openChat(page, 'Cliente Fotos')
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
    const paste = await pictures.getProperty('paste')
    await page.getByLabel('Digite uma mensagem').evaluate((textarea, clipboardData) => {
      const event = new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: clipboardData as DataTransfer })
      textarea.dispatchEvent(event)
    }, paste)
    const mine = page.locator('[data-testid=message][data-direction=out][data-category=image]')
    await expect(mine).toHaveCount(3)
    for (let i = 0; i < 3; i++) await expect(mine.nth(i).getByTestId('status')).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
    const sentHere = (await sends(request)).filter((s) => s.number === jid)
    expect(sentHere.map((s) => s.mediatype)).toEqual(['image', 'image', 'image'])
    await imageLoaded(page, '[data-testid=message][data-direction=out] [data-testid=image-thumb]')
    await shot(page, '14b-three-pictures-sent')
  })

  test('a voice note recorded with the microphone arrives at Evolution as OGG/Opus', async ({ page, request }) => {
    const jid = newJid()
    await incoming(request, 'text', jid, 'Cliente Voz')
    await login(page)
    await openChat(page, 'Cliente Voz')
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
