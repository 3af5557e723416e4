// The web chat receiving: media arriving live, the lightbox, audio, the browser cache, reconnecting,
// failed fetches, the conversation list. Against the live system and the fake Evolution API; each
// test saves screenshots in $E2E_ARTIFACTS (frontend/e2e-artifacts/<stack>/).
import { expect, test, type Page } from '@playwright/test'
import {
  chatWithNewCustomer,
  FAKE,
  imageLoaded,
  incoming,
  login,
  messages,
  newJid,
  openChat,
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

  test('the lightbox opens, zooms, pans by dragging, and closes with Esc', async () => {
    await page.getByRole('button', { name: 'Abrir imagem' }).click()
    const lightbox = page.getByTestId('lightbox')
    await expect(lightbox).toBeVisible()
    await imageLoaded(page, '[data-testid=lightbox-image]')
    await page.getByRole('button', { name: 'Aumentar zoom' }).click()
    await expect(page.getByTestId('lightbox-zoom')).toHaveText('150%')
    const picture = page.getByTestId('lightbox-image')
    const box = (await picture.boundingBox())!
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 30, { steps: 5 })
    await page.mouse.up()
    await expect(picture).toHaveAttribute('data-offset', /^[1-9][0-9]*,[1-9][0-9]*$/) // moved right and down
    await expect(page.getByTestId('lightbox-zoom')).toHaveText('150%') // a drag is not a click
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
  const jid = await chatWithNewCustomer(page, request, 'Cliente Falha')
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

test('a picture too large to preview is a card with its download, never drawn by the browser', async ({ page, request }) => {
  const originals: string[] = []
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname
    if (path.startsWith('/media/') && path.endsWith('/original')) originals.push(path)
  })
  const jid = await chatWithNewCustomer(page, request, 'Cliente Bomba')
  await incoming(request, 'huge-image', jid, 'Cliente Bomba') // 20000 x 20000 pixels in ~50 KB
  const ready = messages(page, 'image').locator('[data-testid=attachment][data-status=ready]')
  await expect(ready).toHaveCount(1)
  await expect(ready.getByTestId('no-preview-title')).toHaveText('Imagem muito grande para pré-visualizar')
  await expect(ready.getByTestId('no-preview-details')).toContainText('20000 × 20000 px')
  await expect(ready.getByRole('link', { name: 'Baixar' })).toHaveAttribute('href', /\/original\?/)
  await expect(ready.locator('img')).toHaveCount(0)
  await shot(page, '17-image-too-big')
  // Opened again (the audit's tab froze for 8 s each time): frames keep coming, memory stays small.
  await page.reload()
  await openChat(page, 'Cliente Bomba')
  await expect(ready).toHaveCount(1)
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  const worstGap = await page.evaluate(
    () =>
      new Promise<number>((done) => {
        const start = performance.now()
        let last = start
        let worst = 0
        const tick = (now: number) => {
          worst = Math.max(worst, now - last)
          last = now
          if (now - start < 2000) requestAnimationFrame(tick)
          else done(worst)
        }
        requestAnimationFrame(tick)
      }),
  )
  expect(worstGap).toBeLessThan(500)
  const { metrics } = await cdp.send('Performance.getMetrics')
  const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0
  expect(heap).toBeLessThan(100 * 1024 * 1024)
  expect(originals).toEqual([]) // the browser never even downloaded the picture
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
