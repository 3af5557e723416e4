// Chat basics (step 11): unread counts in the list and the tab title, date separators in the
// tenant's time zone, the ↓ button with its count of new messages (the view kept still while
// reading further up), and a message's info with its times, "Ouvida" for a voice note played.
// Against the live system and the fake Evolution API; screenshots in $E2E_ARTIFACTS.
import { expect, test } from '@playwright/test'
import { chatWithNewCustomer, incoming, login, newJid, openChat, receipt, sends, shot } from './helpers'

const DAY = 86_400
const ZONE = 'America/Sao_Paulo' // the e2e tenant's (the default TIME_ZONE)

function unreadTitle(title: string): number {
  const match = /^\((\d+)\) /.exec(title)
  return match ? Number(match[1]) : 0
}

test.describe('chat basics', () => {
  test('unread counts in the list and the tab title, cleared when the chat is opened', async ({ page, request }) => {
    await chatWithNewCustomer(page, request, 'Cliente Aberto')
    const jid = newJid()
    await incoming(request, 'text', jid, 'Cliente Não Lido', { text: 'Bom dia!' })
    await incoming(request, 'text', jid, 'Cliente Não Lido', { text: 'Alguém aí?' })
    const row = page.getByTestId('conversation').filter({ hasText: 'Cliente Não Lido' })
    await expect(row.getByTestId('unread-count')).toHaveText('2')
    await expect.poll(async () => unreadTitle(await page.title())).toBeGreaterThan(0)
    const before = unreadTitle(await page.title())
    await shot(page, '43-unread-counts')
    await openChat(page, 'Cliente Não Lido')
    await expect(row.getByTestId('unread-count')).toHaveCount(0)
    await expect.poll(async () => unreadTitle(await page.title())).toBe(before - 1)
    // While the chat is open, what arrives is seen at once.
    await incoming(request, 'text', jid, 'Cliente Não Lido', { text: 'Obrigado' })
    await expect(page.locator('[data-testid=message]').filter({ hasText: 'Obrigado' })).toHaveCount(1)
    await expect(row.getByTestId('unread-count')).toHaveCount(0)
    // Another agent's web chat (the same team inbox) sees it read too.
    const other = await page.context().browser()!.newPage()
    await login(other)
    await expect(other.getByTestId('conversation').filter({ hasText: 'Cliente Não Lido' })).toHaveCount(1)
    await expect(other.getByTestId('conversation').filter({ hasText: 'Cliente Não Lido' }).getByTestId('unread-count')).toHaveCount(0)
    await other.close()
  })

  test('date separators say Hoje, Ontem, the weekday, then the date, in the tenant’s zone', async ({ page, request }) => {
    const jid = newJid()
    const name = 'Cliente Antigo'
    for (const [days, text] of [[9, 'Faz tempo'], [3, 'Semana passada'], [1, 'Ontem à tarde'], [0, 'Hoje cedo']] as const) {
      await incoming(request, 'text', jid, name, { text, seconds_ago: days * DAY })
    }
    await login(page)
    await openChat(page, name)
    const when = (days: number) => new Date(Date.now() - days * DAY * 1000)
    const weekday = when(3).toLocaleDateString('pt-BR', { weekday: 'long', timeZone: ZONE })
    const date = when(9).toLocaleDateString('pt-BR', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: ZONE })
    await expect(page.getByTestId('day-separator')).toHaveText([date, weekday.charAt(0).toUpperCase() + weekday.slice(1), 'Ontem', 'Hoje'], {
      ignoreCase: true,
    })
    await shot(page, '44-day-separators')
  })

  test('reading further up, new messages wait behind the ↓ button with their count', async ({ page, request }) => {
    const jid = newJid()
    const name = 'Cliente Conversa Longa'
    for (let i = 1; i <= 30; i++) await incoming(request, 'text', jid, name, { text: `Mensagem ${i}`, seconds_ago: 60 - i })
    await login(page)
    await openChat(page, name)
    const scroller = page.getByTestId('messages')
    // By the text's own element: "Mensagem 3" beside its time "00:10" also reads "Mensagem 300:10".
    await expect(page.locator('[data-testid=message]').filter({ has: page.getByText('Mensagem 30', { exact: true }) })).toBeVisible()
    await scroller.evaluate((el) => el.scrollTo({ top: 0 }))
    await expect(page.getByTestId('to-bottom')).toBeVisible()
    const top = await scroller.evaluate((el) => el.scrollTop)
    await incoming(request, 'text', jid, name, { text: 'Nova 1' })
    await incoming(request, 'text', jid, name, { text: 'Nova 2' })
    await expect(page.locator('[data-testid=message]').filter({ hasText: 'Nova 2' })).toHaveCount(1)
    await expect(page.getByTestId('new-below')).toHaveText('2')
    expect(await scroller.evaluate((el) => el.scrollTop)).toBe(top) // the view did not move
    await shot(page, '45-new-below')
    await page.getByTestId('to-bottom').click()
    await expect(page.locator('[data-testid=message]').filter({ hasText: 'Nova 2' })).toBeInViewport()
    await expect(page.getByTestId('to-bottom')).toHaveCount(0)
  })

  test('a message’s info shows when it was sent, delivered and read; a voice note played says “Ouvida”', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Dados')
    await page.getByLabel('Digite uma mensagem').fill('Seu pedido foi aprovado.')
    await page.keyboard.press('Enter')
    const text = page.locator('[data-testid=message][data-direction=out]').filter({ hasText: 'Seu pedido foi aprovado.' })
    await expect(text.getByTestId('status')).toHaveAttribute('data-state', 'sent')
    const sent = (await sends(request)).find((s) => s.number === jid && s.route === 'sendText')!
    await receipt(request, sent.id, 'DELIVERY_ACK')
    await receipt(request, sent.id, 'READ')
    await expect(text.getByTestId('status')).toHaveAttribute('data-state', 'read')
    await text.hover()
    await text.getByRole('button', { name: 'Dados da mensagem' }).click()
    const info = page.getByTestId('message-info')
    for (const label of ['Enviada', 'Entregue', 'Lida']) await expect(info.getByTestId(`info-${label}`)).toHaveText(/^\d\d\/\d\d\/\d{4} \d\d:\d\d$/)
    await shot(page, '46-message-info')
    await page.keyboard.press('Escape')
    await expect(info).toHaveCount(0)
    await page.getByRole('button', { name: 'Gravar mensagem de voz' }).click()
    await expect(page.getByTestId('recording-time')).toHaveText('0:02', { timeout: 10_000 })
    await page.getByRole('button', { name: 'Parar e enviar' }).click()
    const voice = page.locator('[data-testid=message][data-direction=out][data-category=voice]')
    await expect(voice.getByTestId('status')).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
    const note = (await sends(request)).find((s) => s.number === jid && s.route === 'sendWhatsAppAudio')!
    await receipt(request, note.id, 'READ')
    await receipt(request, note.id, 'PLAYED')
    await expect(voice.getByTestId('status')).toHaveAttribute('data-state', 'played')
    await expect(voice.getByTestId('played')).toBeVisible()
    await shot(page, '47-voice-note-played')
  })
})
