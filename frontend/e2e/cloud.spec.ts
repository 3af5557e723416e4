// The same web chat on a WhatsApp Cloud API number (step 10: the browser e2e once per provider).
// The customer writes through the fake Graph API (tools/fake_graph: Meta's webhook shapes, signed
// X-Hub-Signature-256, media by id with bearer checks); what the agent sends goes up to the fake
// Graph API and comes back as Meta's statuses. Every scenario that means something on Meta's API
// runs here: every media kind live, a reply and a reaction, a text to read, a document and a voice
// note sent, a reaction sent, and the 24-hour window. Screenshots in $E2E_ARTIFACTS.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test'
import path from 'node:path'
import { FILES, imageLoaded, login, messages, sendReviewed, shot } from './helpers'

const GRAPH = process.env.E2E_GRAPH_URL!

interface GraphSent {
  id: string
  to: string
  type: string
  context?: { message_id: string }
  text?: { body: string }
  reaction?: { message_id: string; emoji: string }
  document?: { id?: string; filename?: string; caption?: string }
  audio?: { id?: string }
  media?: { mime_type: string; size: number; magic: string }
}

/** A new customer number in Meta's form (digits only). */
function newNumber(): string {
  return `55119${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`
}

/** The customer sends something to the Cloud API number; the id Meta gave it. */
async function customer(request: APIRequestContext, kind: string, sender: string, name: string, extra: object = {}) {
  const response = await request.post(`${GRAPH}/__fake/incoming`, { data: { kind, sender, name, ...extra } })
  expect(response.ok()).toBeTruthy()
  const body = await response.json()
  expect(body.webhook).toBe(200)
  return body.id as string
}

async function sent(request: APIRequestContext, to: string): Promise<GraphSent[]> {
  return ((await (await request.get(`${GRAPH}/__fake/sent`)).json()) as GraphSent[]).filter((s) => s.to === to)
}

async function status(request: APIRequestContext, id: string, value: string, recipient: string) {
  const response = await request.post(`${GRAPH}/__fake/status`, { data: { id, status: value, recipient } })
  expect((await response.json()).webhook).toBe(200)
}

/** A new customer writes to the Cloud number; the agent opens that chat. */
async function cloudChat(page: Page, request: APIRequestContext, name: string, text = 'Olá, vim pelo número oficial') {
  const number = newNumber()
  await customer(request, 'text', number, name, { text })
  await login(page)
  await page.getByTestId('connection-filter').selectOption({ label: 'Atendimento' })
  await page.getByTestId('conversation').filter({ hasText: name }).click()
  await expect(page.getByTestId('chat-title')).toHaveText(name)
  await expect(page.getByTestId('chat-subtitle')).toContainText('pelo número Atendimento')
  return number
}

const bubble = (page: Page, body: string) => page.locator('[data-testid=message]').filter({ hasText: body })
const mine = (page: Page) => page.locator('[data-testid=message][data-direction=out]')

test.describe('on a Cloud API number', () => {
  test('every media kind arrives live with its thumbnail, waveform, preview and poster', async ({ page, request }) => {
    const name = 'Cliente Oficial Mídia'
    const number = await cloudChat(page, request, name)
    for (const kind of ['image', 'voice', 'document', 'video', 'sticker']) await customer(request, kind, number, name)
    for (const category of ['image', 'voice', 'document', 'video', 'sticker']) {
      await expect(messages(page, category).locator('[data-testid=attachment][data-status=ready]')).toHaveCount(1)
    }
    await imageLoaded(page, '[data-testid=image-thumb]')
    await expect(messages(page, 'image')).toContainText('Foto do pedido')
    await expect(messages(page, 'voice').locator('[data-testid=waveform] > span')).toHaveCount(64)
    await imageLoaded(page, '[data-testid=document-preview]')
    await expect(messages(page, 'document').getByTestId('document-name')).toHaveText('Boleto outubro.pdf')
    await expect(page.getByTestId('video')).toHaveAttribute('poster', /\/media\/.+\/poster\?/)
    await imageLoaded(page, '[data-testid=sticker]')
    await shot(page, '32-cloud-incoming-media')
  })

  test('a reply quotes its photo and a reaction shows under it', async ({ page, request }) => {
    const name = 'Cliente Oficial Resposta'
    const number = await cloudChat(page, request, name)
    const photo = await customer(request, 'image', number, name, { caption: 'Este modelo verde' })
    await expect(messages(page, 'image').locator('[data-status=ready]')).toHaveCount(1)
    await customer(request, 'reply', number, name, { message_id: photo, text: 'Tem no tamanho G?' })
    await expect(bubble(page, 'Tem no tamanho G?').getByTestId('quoted')).toContainText('Este modelo verde')
    await customer(request, 'reaction', number, name, { message_id: photo, emoji: '😍' })
    await expect(page.getByTestId('reactions')).toHaveText('😍')
    await customer(request, 'reaction', number, name, { message_id: photo, emoji: '' })
    await expect(page.getByTestId('reactions')).toHaveCount(0)
    await shot(page, '33-cloud-reply-reaction')
  })

  test('the agent answers with a quote: sent ✓, delivered ✓✓ and read by Meta’s statuses', async ({ page, request }) => {
    const number = await cloudChat(page, request, 'Cliente Oficial Texto', 'Vocês entregam no domingo?')
    const question = bubble(page, 'Vocês entregam no domingo?')
    await question.hover()
    await question.getByRole('button', { name: 'Responder' }).click()
    await page.getByLabel('Digite uma mensagem').fill('Entregamos sim, das 8h às 12h.')
    await page.keyboard.press('Enter')
    const answer = mine(page)
    await expect(answer.getByTestId('status')).toHaveAttribute('data-state', 'sent')
    await expect(answer.getByTestId('quoted')).toContainText('Vocês entregam no domingo?')
    const [text] = await sent(request, number)
    expect(text.type).toBe('text')
    expect(text.text?.body).toBe('Entregamos sim, das 8h às 12h.')
    expect(text.context?.message_id).toMatch(/^wamid\./)
    await status(request, text.id, 'delivered', number)
    await expect(answer.getByTestId('status')).toHaveAttribute('data-state', 'delivered')
    await status(request, text.id, 'read', number)
    await expect(answer.getByTestId('status')).toHaveAttribute('data-state', 'read')
    await shot(page, '34-cloud-text-read')
  })

  test('a document and a voice note go up to Meta as files of their kind', async ({ page, request }) => {
    const number = await cloudChat(page, request, 'Cliente Oficial Arquivo')
    await page.getByLabel('Digite uma mensagem').fill('Segue a proposta')
    await page.getByTestId('file-input-document').setInputFiles(path.join(FILES, 'slow-10mb.pdf'))
    await sendReviewed(page, 1)
    await expect(mine(page).getByTestId('status')).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
    await page.getByRole('button', { name: 'Gravar mensagem de voz' }).click()
    await expect(page.getByTestId('recording-time')).toHaveText('0:02', { timeout: 10_000 })
    await page.getByRole('button', { name: 'Parar e enviar' }).click()
    const voice = page.locator('[data-testid=message][data-direction=out][data-category=voice]')
    await expect(voice.getByTestId('status')).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
    const files = await sent(request, number)
    const document = files.find((s) => s.type === 'document')!
    expect(document.document?.filename).toBe('slow-10mb.pdf')
    expect(document.document?.caption).toBe('Segue a proposta')
    expect(document.media?.magic).toBe('%PDF')
    expect(document.media!.size).toBeGreaterThan(10 * 1024 * 1024 - 1)
    const audio = files.find((s) => s.type === 'audio')!
    expect(audio.media?.mime_type).toMatch(/^audio\/ogg/)
    expect(audio.media?.magic).toBe('OggS') // Meta takes voice notes only as Ogg/Opus
    await shot(page, '35-cloud-files-sent')
  })

  test('the agent reacts, and a send after the 24-hour window says why it failed', async ({ page, request }) => {
    const number = await cloudChat(page, request, 'Cliente Oficial Janela', 'Obrigado!')
    const thanks = bubble(page, 'Obrigado!')
    await thanks.hover()
    await thanks.getByRole('button', { name: 'Reagir' }).click()
    await page.getByRole('menuitem', { name: '🙏' }).click()
    await expect(page.getByTestId('reactions')).toHaveText('🙏')
    await expect.poll(async () => (await sent(request, number)).filter((s) => s.type === 'reaction').length).toBe(1)
    await request.post(`${GRAPH}/__fake/window`, { data: { number } })
    await page.getByLabel('Digite uma mensagem').fill('Ainda precisa de ajuda?')
    await page.keyboard.press('Enter')
    const late = bubble(page, 'Ainda precisa de ajuda?')
    await expect(late.getByTestId('status')).toHaveAttribute('data-state', 'failed')
    await expect(late.getByRole('alert')).toContainText('24 horas')
    await shot(page, '36-cloud-window-closed')
  })
})
