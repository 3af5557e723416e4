// Search (step 11): across the tenant from the list, and inside one chat — message texts, file
// names and the text inside a PDF, accents ignored; a hit opens the chat at its message, lit up.
// Against the live system and the fake Evolution API; screenshots in $E2E_ARTIFACTS.
import { expect, test } from '@playwright/test'
import { chatWithNewCustomer, incoming, login, messages, newJid, shot } from './helpers'

test('a search finds texts and what is inside a PDF, and a hit opens the chat at that message', async ({ page, request }) => {
  const jid = newJid()
  const name = 'Cliente Busca'
  await incoming(request, 'text', jid, name, { text: 'Quero saber da promoção de inverno' })
  for (let i = 0; i < 5; i++) await incoming(request, 'text', jid, name, { text: `Outra mensagem ${i}` })
  await incoming(request, 'document', jid, name) // the fixture invoice PDF: "Invoice #0001 - ACME Ltda"
  await login(page)
  await page.getByTestId('search-all').fill('promocao inverno')
  const hits = page.getByTestId('search-hit')
  await expect(hits).toHaveCount(1)
  await expect(hits.first()).toContainText(name)
  await expect(hits.first().getByTestId('search-match').first()).toHaveText(/promoção/i)
  await shot(page, '52-search-all')
  await hits.first().click()
  await expect(page.getByTestId('chat-title')).toHaveText(name)
  const target = page.locator('[data-testid=message]').filter({ hasText: 'Quero saber da promoção de inverno' })
  await expect(target).toHaveAttribute('data-highlighted', 'true')
  await expect(messages(page, 'document').locator('[data-status=ready]')).toHaveCount(1)
  await page.getByTestId('search-all').fill('acme')
  await expect(hits.first()).toContainText(name)
  await page.getByTestId('search-all').fill('')
  // Inside the chat: the PDF's own words find its message.
  await page.getByTestId('open-search').click()
  await page.getByTestId('search-chat').fill('invoice acme')
  await expect(hits).toHaveCount(1)
  await shot(page, '53-search-in-chat')
  await hits.first().click()
  await expect(messages(page, 'document')).toHaveAttribute('data-highlighted', 'true')
})

test('another tenant never shows up and nothing found says so', async ({ page, request }) => {
  await chatWithNewCustomer(page, request, 'Cliente Sem Resultado')
  await page.getByTestId('search-all').fill('palavrainexistentexyz')
  await expect(page.getByText('Nada encontrado.')).toBeVisible()
})
