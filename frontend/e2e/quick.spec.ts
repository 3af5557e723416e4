// Quick replies with media (step 11): the team's library managed in the web chat (⚡), picked with
// "/" in the composer; a text answer fills the composer, one with files is sent as it is — the files
// stored once, sent in order, an audio as a voice note. Against the live system and the fake
// Evolution API; screenshots in $E2E_ARTIFACTS.
import { expect, test } from '@playwright/test'
import path from 'node:path'
import { chatWithNewCustomer, FILES, messages, sends, shot } from './helpers'

const file = (name: string) => path.join(FILES, name)

test('the team saves an answer with a PDF and a voice note, and an agent sends it with /', async ({ page, request }) => {
  const jid = await chatWithNewCustomer(page, request, 'Cliente Resposta Rápida')
  const shortcut = `boleto${Date.now() % 100000}`
  await page.getByTestId('open-quick-replies').click()
  const dialog = page.getByTestId('quick-dialog')
  const form = dialog.getByTestId('quick-new')
  await form.getByLabel('Atalho').fill(shortcut)
  await form.getByLabel('Mensagem').fill('Segue a segunda via do boleto. Qualquer dúvida, estou à disposição!')
  await form.getByRole('button', { name: 'Salvar' }).click()
  const editing = dialog.getByTestId('quick-edit')
  await expect(editing).toBeVisible()
  // A hostile file is refused with the reason; a PDF and an audio (as a voice note) are kept.
  await editing.getByTestId('quick-file-input').setInputFiles({ name: 'boleto.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html><script>alert(1)</script></html>') })
  await expect(editing.getByTestId('quick-error')).toHaveText('Este tipo de arquivo não é aceito.')
  await editing.getByTestId('quick-file-input').setInputFiles([file('proposta.pdf'), file('musica.mp3')])
  await expect(editing.getByTestId('quick-file')).toHaveCount(2, { timeout: 30_000 })
  await expect(editing.getByTestId('quick-file').nth(1)).toContainText('🎤 Áudio 0:03')
  await shot(page, '56-quick-replies-library')
  await editing.getByRole('button', { name: 'Fechar' }).click()
  await dialog.getByRole('button', { name: 'Fechar' }).first().click()
  await expect(dialog).toHaveCount(0)
  // In the chat: "/" and the shortcut.
  const box = page.getByRole('textbox', { name: 'Digite uma mensagem' })
  await box.fill(`/${shortcut.slice(0, 4)}`)
  const option = page.getByTestId('quick-option').filter({ hasText: `/${shortcut}` })
  await expect(option).toHaveCount(1)
  await shot(page, '57-quick-reply-picker')
  await option.click()
  await expect(page.getByTestId('quick-card')).toContainText('proposta.pdf')
  await page.getByTestId('quick-send').press('Enter')
  const mine = page.locator('[data-testid=message][data-direction=out]')
  await expect(mine).toHaveCount(2)
  for (let i = 0; i < 2; i++) await expect(mine.nth(i).getByTestId('status')).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
  await expect(messages(page, 'voice')).toHaveCount(1)
  await shot(page, '58-quick-reply-sent')
  const sent = (await sends(request)).filter((s) => s.number === jid)
  expect(sent.map((s) => [s.mediatype, s.caption])).toEqual([
    ['document', 'Segue a segunda via do boleto. Qualquer dúvida, estou à disposição!'],
    ['audio', ''],
  ])
  expect(sent[0].fileName).toBe('proposta.pdf')
  expect(sent[1].opus).toBe(true) // a voice note: Ogg/Opus, as WhatsApp's own
})

test('a text answer fills the composer to be edited before Enter', async ({ page, request }) => {
  const jid = await chatWithNewCustomer(page, request, 'Cliente Horário')
  const shortcut = `horario${Date.now() % 100000}`
  await page.getByTestId('open-quick-replies').click()
  const form = page.getByTestId('quick-new')
  await form.getByLabel('Atalho').fill(shortcut)
  await form.getByLabel('Mensagem').fill('Atendemos de segunda a sexta, das 8h às 18h.')
  await form.getByRole('button', { name: 'Salvar' }).click()
  await expect(page.getByTestId('quick-edit')).toBeVisible()
  await page.getByTestId('quick-dialog').getByRole('button', { name: 'Fechar' }).first().click()
  const box = page.getByRole('textbox', { name: 'Digite uma mensagem' })
  await box.fill(`/${shortcut}`)
  await expect(page.getByTestId('quick-option')).toHaveCount(1)
  await box.press('Enter') // picks
  await expect(box).toHaveValue('Atendemos de segunda a sexta, das 8h às 18h.')
  await box.press('End')
  await box.pressSequentially(' Sábado até 12h.')
  await box.press('Enter') // sends
  await expect(page.locator('[data-testid=message][data-direction=out]')).toContainText('Atendemos de segunda a sexta, das 8h às 18h. Sábado até 12h.')
  await expect.poll(async () => (await sends(request)).filter((s) => s.number === jid).length).toBe(1)
})
