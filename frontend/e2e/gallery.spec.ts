// A conversation's gallery (step 11): Mídia · Documentos · Áudios · Links beside the chat, the
// lightbox over the gallery's pictures, a jump to a file's message, and chosen files downloaded as
// one zip. Against the live system and the fake Evolution API; screenshots in $E2E_ARTIFACTS.
import { expect, test } from '@playwright/test'
import { readFile } from 'node:fs/promises'
import { chatWithNewCustomer, incoming, login, messages, newJid, openChat, sends, shot } from './helpers'

test('the gallery lists each kind in its tab, opens pictures, jumps to messages and zips a selection', async ({ page, request }) => {
  const name = 'Cliente Galeria'
  const jid = await chatWithNewCustomer(page, request, name)
  // A second apart, as WhatsApp stamps them: the gallery is in the chat's order, newest first.
  const kinds = ['image', 'video', 'sticker', 'document', 'voice'] as const
  for (const [i, kind] of kinds.entries()) await incoming(request, kind, jid, name, { seconds_ago: kinds.length - i })
  await incoming(request, 'text', jid, name, { text: 'O catálogo está em https://loja.example.com.br/catalogo, veja!' })
  await expect(page.locator('[data-testid=attachment][data-status=ready]')).toHaveCount(5)
  await page.getByTestId('open-gallery').click()
  const gallery = page.getByTestId('gallery')
  const items = gallery.getByTestId('gallery-item')
  await expect(items).toHaveCount(3)
  expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-category')))).toEqual(['sticker', 'video', 'image'])
  await expect(gallery.getByTestId('gallery-thumb')).toHaveCount(3)
  await shot(page, '48-gallery-media')
  await items.nth(2).getByRole('button').click() // the photo
  await expect(page.getByRole('dialog')).toBeVisible()
  await page.keyboard.press('Escape')
  await gallery.getByRole('tab', { name: 'Documentos' }).click()
  await expect(items).toHaveCount(1)
  await gallery.getByRole('tab', { name: 'Áudios' }).click()
  await expect(items).toHaveCount(1)
  await expect(items.first()).toHaveAttribute('data-category', 'voice')
  await gallery.getByRole('tab', { name: 'Links' }).click()
  await expect(gallery.getByTestId('gallery-link')).toHaveText(['https://loja.example.com.br/catalogo'])
  await expect(gallery.getByTestId('gallery-link')).toHaveAttribute('rel', /noopener/)
  // Live: a link sent while the gallery is open shows up in it.
  await incoming(request, 'text', jid, name, { text: 'E o site novo: https://novo.example.com.br' })
  await expect(gallery.getByTestId('gallery-link')).toHaveText(['https://novo.example.com.br', 'https://loja.example.com.br/catalogo'])
  await gallery.getByRole('tab', { name: 'Documentos' }).click()
  await items.first().getByRole('button').first().click()
  await expect(messages(page, 'document')).toHaveAttribute('data-highlighted', 'true')
  await gallery.getByRole('tab', { name: 'Mídia' }).click()
  await gallery.getByRole('button', { name: 'Selecionar' }).click()
  const boxes = gallery.getByTestId('gallery-select')
  await boxes.nth(1).check() // the video
  await boxes.nth(2).check() // the photo
  await expect(gallery.getByText('2 selecionados')).toBeVisible()
  await shot(page, '49-gallery-selected')
  const [download] = await Promise.all([page.waitForEvent('download'), gallery.getByTestId('gallery-download').click()])
  expect(download.suggestedFilename()).toMatch(/^conversa-\d{4}-\d{2}-\d{2}\.zip$/)
  const zip = await readFile((await download.path())!)
  expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004')
  const names = zip.toString('latin1')
  expect((names.match(/PK\u0001\u0002/g) ?? []).length).toBe(2) // two entries in the central directory
})

test('forwarding: a photo from its bubble, and a selection from the gallery, to other chats — no upload', async ({ page, request }) => {
  const source = 'Cliente Origem'
  const jid = newJid()
  const targets = ['Cliente Destino Um', 'Cliente Destino Dois']
  for (const name of targets) await incoming(request, 'text', newJid(), name)
  await incoming(request, 'text', jid, source)
  await login(page)
  await openChat(page, source)
  await incoming(request, 'image', jid, source, { caption: 'Foto do produto' })
  await incoming(request, 'document', jid, source)
  await expect(page.locator('[data-testid=attachment][data-status=ready]')).toHaveCount(2)
  const uploads: string[] = []
  page.on('request', (r) => r.url().includes('/api/uploads/') && uploads.push(r.url()))
  const photo = messages(page, 'image')
  await photo.hover()
  await photo.getByRole('button', { name: 'Encaminhar' }).click()
  const dialog = page.getByTestId('forward-dialog')
  await dialog.getByLabel('Buscar conversa').fill('Destino Um')
  await dialog.getByRole('checkbox', { name: 'Cliente Destino Um' }).check()
  await shot(page, '50-forward-dialog')
  await dialog.getByTestId('forward-send').click()
  await expect(page.getByTestId('toast')).toHaveText('Encaminhada para 1 conversa')
  await page.getByTestId('open-gallery').click()
  const gallery = page.getByTestId('gallery')
  await gallery.getByRole('button', { name: 'Selecionar' }).click()
  await gallery.getByTestId('gallery-select').first().check()
  await gallery.getByRole('tab', { name: 'Documentos' }).click()
  await gallery.getByTestId('gallery-select').first().check()
  await gallery.getByTestId('gallery-forward').click()
  await dialog.getByRole('checkbox', { name: 'Cliente Destino Dois' }).check()
  await dialog.getByTestId('forward-send').click()
  await expect(page.getByTestId('toast')).toHaveText('Encaminhada para 1 conversa')
  expect(uploads).toEqual([]) // the stored files were reused
  await page.keyboard.press('Escape')
  await openChat(page, 'Cliente Destino Dois')
  const out = page.locator('[data-testid=message][data-direction=out]')
  await expect(out).toHaveCount(2) // the photo and the document, chosen in two tabs
  await expect(out.getByTestId('forwarded')).toHaveCount(2)
  for (let i = 0; i < 2; i++) await expect(out.nth(i).getByTestId('status')).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
  await openChat(page, 'Cliente Destino Um')
  const one = page.locator('[data-testid=message][data-direction=out]')
  await expect(one).toContainText('Foto do produto')
  await expect(one.getByTestId('forwarded')).toBeVisible()
  await expect(one.getByTestId('status')).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
  await shot(page, '51-forwarded')
  const sentThere = (await sends(request)).filter((s) => s.caption === 'Foto do produto')
  expect(sentThere.length).toBeGreaterThanOrEqual(1)
})
