import { expect, type APIRequestContext, type Page } from '@playwright/test'

export const FAKE = process.env.E2E_FAKE_URL ?? 'http://127.0.0.1:8081'
export const FILES = process.env.E2E_FILES ?? '/tmp'
const ARTIFACTS = process.env.E2E_ARTIFACTS ?? 'e2e-artifacts'

export type Kind =
  | 'text'
  | 'image'
  | 'voice'
  | 'audio'
  | 'document'
  | 'video'
  | 'sticker'
  | 'picture'
  | 'huge-image'
  | 'iphone-video' // HEVC + AAC in MOV, made by the fake (tools/fake_whatsapp/fake.py)
  // real traffic (tools/fake_whatsapp/traffic.py)
  | 'album'
  | 'reply'
  | 'reaction'
  | 'edit'
  | 'revoke'
  | 'forwarded'
  | 'round-video'
  | 'view-once'
  | 'lid-text'
  | 'template-document'
  | 'interactive-image'

/** A new customer number (each test its own conversation). */
export function newJid(): string {
  return `55119${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}@s.whatsapp.net`
}

/** The customer sends something: the fake Evolution posts the real webhook payload to chatmedia. */
export async function incoming(request: APIRequestContext, kind: Kind, jid: string, name: string, extra: object = {}) {
  const response = await request.post(`${FAKE}/__fake/incoming`, { data: { kind, remote_jid: jid, push_name: name, ...extra } })
  expect(response.ok()).toBeTruthy()
  const body = await response.json()
  expect(body.webhook).toBe(200)
  return body as { id?: string; ids?: string[]; album?: string }
}

export interface FakeSend {
  id: string
  route: string
  number: string
  mediatype: string
  mimetype: string
  fileName: string
  caption: string
  size: number
  magic: string
  opus: boolean
  quoted: string | null
}

export async function sends(request: APIRequestContext): Promise<FakeSend[]> {
  return (await request.get(`${FAKE}/__fake/sends`)).json()
}

/** WhatsApp reports a receipt for one of our sends (DELIVERY_ACK, READ…). */
export async function receipt(request: APIRequestContext, id: string, status: string) {
  const response = await request.post(`${FAKE}/__fake/ack`, { data: { id, status } })
  expect((await response.json()).webhook).toBe(200)
}

/** Log in as the team's agent, or as its admin (`'admin'`: a second user of the same tenant). */
export async function login(page: Page, as: 'agent' | 'admin' = 'agent') {
  await page.goto('/')
  const prefix = as === 'admin' ? 'E2E_ADMIN_' : 'E2E_'
  await page.getByLabel('Usuário').fill(process.env[`${prefix}USERNAME`]!)
  await page.getByLabel('Senha').fill(process.env[`${prefix}PASSWORD`]!)
  await page.getByRole('button', { name: 'Entrar' }).click()
  await expect(page.getByTestId('connection')).toHaveAttribute('data-connected', 'true')
}

export async function openChat(page: Page, name: string) {
  await page.getByTestId('conversation').filter({ hasText: name }).click()
  await expect(page.getByTestId('chat-title')).toHaveText(name)
}

/** A new customer `name` writes in; the agent logs in and opens that chat. The customer's JID. */
export async function chatWithNewCustomer(page: Page, request: APIRequestContext, name: string, as: 'agent' | 'admin' = 'agent'): Promise<string> {
  const jid = newJid()
  await incoming(request, 'text', jid, name)
  await login(page, as)
  await openChat(page, name)
  return jid
}

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png` })
}

export function messages(page: Page, category: string) {
  return page.locator(`[data-testid=message][data-category=${category}]`)
}

export async function imageLoaded(page: Page, selector: string) {
  await expect
    .poll(() => page.locator(selector).first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBeGreaterThan(0)
}

/** Files chosen go to review first (ReviewTray); "Enviar" sends them. */
export async function sendReviewed(page: Page, count?: number) {
  const tray = page.getByTestId('review-tray')
  await expect(tray).toBeVisible()
  if (count !== undefined) await expect(tray.getByTestId('review-item')).toHaveCount(count)
  await page.getByTestId('review-send').click()
  await expect(tray).toHaveCount(0)
}
