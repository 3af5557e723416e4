// Real WhatsApp traffic in the web chat (step 9): albums, replies, reactions, edits, deletes,
// forwarded photos, round video notes, view-once photos, one conversation per person under LID
// addressing; and the agent replying and reacting. The fake Evolution API posts the shapes of
// fixtures/evolution-traffic. Screenshots in $E2E_ARTIFACTS.
import { expect, test } from '@playwright/test'
import { chatWithNewCustomer, FAKE, incoming, login, messages, newJid, openChat, sends, shot } from './helpers'

const text = (page: import('@playwright/test').Page, body: string) =>
  page.locator('[data-testid=message]').filter({ hasText: body })

test.describe('real traffic', () => {
  test('an album is one grid; a tap opens the lightbox over the album', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Álbum')
    await incoming(request, 'album', jid, 'Cliente Álbum', { count: 3, caption: 'Fotos do pedido' })
    const album = page.getByTestId('album')
    await expect(album).toHaveCount(1)
    await expect(album.getByTestId('album-tile')).toHaveCount(3)
    await expect(album.getByTestId('image-thumb')).toHaveCount(3)
    await expect(text(page, 'Fotos do pedido')).toHaveCount(1)
    await shot(page, '20-album')
    await album.getByTestId('album-tile').nth(1).getByRole('button').click()
    await expect(page.getByRole('dialog')).toContainText('2 de 3')
    await page.keyboard.press('Escape')
  })

  test('a reply shows the photo it answers; a click on the quote finds and lights up the original', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Resposta')
    const photo = await incoming(request, 'image', jid, 'Cliente Resposta', { caption: 'Este modelo azul' })
    await expect(messages(page, 'image').locator('[data-status=ready]')).toHaveCount(1)
    await incoming(request, 'reply', jid, 'Cliente Resposta', { quote_id: photo.id, text: 'Tem no tamanho M?' })
    const reply = text(page, 'Tem no tamanho M?')
    const quote = reply.getByTestId('quoted')
    await expect(quote).toContainText('Este modelo azul')
    await expect(quote.getByTestId('quoted-thumb')).toHaveAttribute('src', /\/media\/.+\/thumb\?/)
    await shot(page, '21-reply-quote')
    await quote.click()
    await expect(messages(page, 'image')).toHaveAttribute('data-highlighted', 'true')
  })

  test('reactions appear under the bubble, replace each other and go away', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Reação')
    const photo = await incoming(request, 'image', jid, 'Cliente Reação')
    const bubble = messages(page, 'image')
    await expect(bubble.locator('[data-status=ready]')).toHaveCount(1)
    await incoming(request, 'reaction', jid, 'Cliente Reação', { target_id: photo.id, emoji: '👍' })
    const reactions = page.getByTestId('reactions')
    await expect(reactions).toHaveText('👍')
    await incoming(request, 'reaction', jid, 'Cliente Reação', { target_id: photo.id, emoji: '❤️' })
    await expect(reactions).toHaveText('❤️')
    // the agent reacts too: hover, ☺, pick
    await bubble.hover()
    await bubble.getByRole('button', { name: 'Reagir' }).click()
    await page.getByRole('menuitem', { name: '🙏' }).click()
    await expect(reactions.getByTestId('reaction')).toHaveCount(2)
    await expect
      .poll(async () => ((await (await request.get(`${FAKE}/__fake/calls`)).json()) as { route: string }[]).filter((c) => c.route === 'sendReaction').length)
      .toBe(1)
    await shot(page, '22-reactions')
    await incoming(request, 'reaction', jid, 'Cliente Reação', { target_id: photo.id, emoji: '' })
    await expect(reactions).toHaveText('🙏')
  })

  test('an edited message says “Editada” and keeps its history; a deleted one says so', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Edição')
    const first = await incoming(request, 'text', jid, 'Cliente Edição', { id: `3AEDIT${Date.now()}` })
    await incoming(request, 'edit', jid, 'Cliente Edição', { target_id: first.id, text: 'Na verdade, quero dois.' })
    const edited = text(page, 'Na verdade, quero dois.')
    await expect(edited.getByTestId('edited')).toHaveText('Editada')
    await expect(edited.getByTestId('edited')).toHaveAttribute('title', /Olá, vocês entregam em Campinas\?/)
    const photo = await incoming(request, 'image', jid, 'Cliente Edição')
    await expect(messages(page, 'image').locator('[data-status=ready]')).toHaveCount(1)
    await incoming(request, 'revoke', jid, 'Cliente Edição', { target_id: photo.id })
    await expect(messages(page, 'deleted').getByTestId('deleted')).toHaveText('🚫 Esta mensagem foi apagada')
    await expect(messages(page, 'image')).toHaveCount(0)
    await shot(page, '23-edited-and-deleted')
    await page.reload()
    await openChat(page, 'Cliente Edição')
    await expect(messages(page, 'deleted')).toHaveCount(1)
    await expect(page.getByTestId('conversation').filter({ hasText: 'Cliente Edição' })).toContainText('Mensagem apagada')
  })

  test('forwarded, round video note and a view-once photo behind its tap', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Formatos')
    await incoming(request, 'forwarded', jid, 'Cliente Formatos')
    await expect(page.getByTestId('forwarded')).toContainText('Encaminhada')
    await incoming(request, 'round-video', jid, 'Cliente Formatos')
    await expect(page.getByTestId('round-video')).toHaveCount(1)
    await expect(page.getByTestId('round-video')).toHaveAttribute('aria-label', 'Reproduzir') // a tap plays it
    await incoming(request, 'view-once', jid, 'Cliente Formatos')
    const cover = page.getByTestId('view-once')
    await expect(cover).toContainText('Visualização única')
    await shot(page, '24-forwarded-round-view-once')
    await cover.click()
    await expect(page.getByTestId('view-once-opened')).toContainText(`Aberta por ${process.env.E2E_USERNAME}`)
    await expect(messages(page, 'image').last().locator('[data-status=ready]')).toHaveCount(1)
  })

  test('a boleto in a template and an invoice picture in an interactive message arrive as files with their text', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'ACME Cobrança')
    await incoming(request, 'template-document', jid, 'ACME Cobrança')
    await incoming(request, 'interactive-image', jid, 'ACME Cobrança')
    const boleto = messages(page, 'document').filter({ hasText: 'Seu boleto de maio vence em 10/06.' })
    await expect(boleto.locator('[data-status=ready]')).toHaveCount(1)
    await expect(boleto).toContainText('fixture-invoice.pdf')
    const invoice = messages(page, 'image').filter({ hasText: 'Sua nota fiscal 4312 está disponível.' })
    await expect(invoice.getByTestId('image-thumb')).toHaveCount(1)
    await shot(page, '27-business-messages')
  })

  test('the agent answers a message: the quote in the composer, then on the sent reply and at WhatsApp', async ({ page, request }) => {
    const jid = await chatWithNewCustomer(page, request, 'Cliente Pergunta')
    const question = text(page, 'Olá, vocês entregam em Campinas?')
    await question.hover()
    await question.getByRole('button', { name: 'Responder' }).click()
    await expect(page.getByTestId('reply-preview')).toContainText('Olá, vocês entregam em Campinas?')
    await shot(page, '25-composer-reply')
    await page.getByLabel('Digite uma mensagem').fill('Entregamos sim, em até 2 dias.')
    await page.keyboard.press('Enter')
    await expect(page.getByTestId('reply-preview')).toHaveCount(0)
    const answer = text(page, 'Entregamos sim, em até 2 dias.')
    await expect(answer.getByTestId('quoted')).toContainText('Olá, vocês entregam em Campinas?')
    await expect.poll(async () => (await sends(request)).find((s) => s.number === jid && s.route === 'sendText')?.quoted).toBeTruthy()
  })

  test('one person under a LID and a phone number is one conversation', async ({ page, request }) => {
    const jid = newJid()
    const lid = `${Math.floor(Math.random() * 1e14)}@lid`
    await incoming(request, 'lid-text', jid, 'Cliente LID', { lid, text: 'Escrevendo pelo LID' })
    await incoming(request, 'text', jid, 'Cliente LID')
    await login(page)
    await expect(page.getByTestId('conversation').filter({ hasText: 'Cliente LID' })).toHaveCount(2)
    await incoming(request, 'lid-text', jid, 'Cliente LID', { lid, with_phone: true, text: 'Agora com os dois' })
    await expect(page.getByTestId('conversation').filter({ hasText: 'Cliente LID' })).toHaveCount(1)
    await openChat(page, 'Cliente LID')
    await expect(text(page, 'Escrevendo pelo LID')).toHaveCount(1)
    await expect(text(page, 'Agora com os dois')).toHaveCount(1)
    await shot(page, '26-lid-merged')
  })
})
