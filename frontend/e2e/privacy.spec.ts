// A customer's data under the LGPD, as the tenant's admin does it from the chat with them (🛡️): the
// audit log shows who opened their photo; the export downloads one zip with the transcript and the
// file; the erasure, after a confirmation, closes the chat everywhere, reports what it deleted, and
// the photo's link stops working. Against the live system; screenshots 63 and 64.
import { readFile } from 'node:fs/promises'
import { expect, test } from '@playwright/test'
import { chatWithNewCustomer, imageLoaded, incoming, messages, shot } from './helpers'

test('an admin reads who opened a photo, exports the customer, then erases them', async ({ page, request }) => {
  const jid = await chatWithNewCustomer(page, request, 'Cliente Titular', 'admin')
  await incoming(request, 'image', jid, 'Cliente Titular', { caption: 'Meu RG' })
  const photo = messages(page, 'image')
  await imageLoaded(page, '[data-testid=image-thumb]')
  await photo.getByRole('button', { name: 'Abrir imagem' }).click()
  await expect(page.getByTestId('lightbox-image')).toBeVisible()
  await page.keyboard.press('Escape')

  // The serving path writes its audit rows within a second: reopen the panel until the row is there.
  const admin = process.env.E2E_ADMIN_USERNAME!
  await expect(async () => {
    await page.getByTestId('open-privacy').click()
    const panel = page.getByTestId('privacy-panel')
    await expect(panel).toBeVisible()
    try {
      await expect(panel.getByTestId('privacy-log')).toContainText(`${admin} abriu uma imagem`, { timeout: 1000 })
    } finally {
      await panel.getByRole('button', { name: 'Fechar' }).click() // the next try loads it again
    }
  }).toPass({ timeout: 15000 })
  await page.getByTestId('open-privacy').click()
  const panel = page.getByTestId('privacy-panel')
  await expect(panel.getByTestId('privacy-log')).toContainText(`${admin} abriu uma imagem`)
  await shot(page, '63-privacy-panel')

  const [download] = await Promise.all([page.waitForEvent('download'), panel.getByTestId('privacy-export').click()])
  expect(download.suggestedFilename()).toMatch(/^dados-cliente-\d{4}-\d{2}-\d{2}\.zip$/)
  const zip = await readFile((await download.path())!)
  expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04')
  for (const text of ['conversas.html', 'conversas.json', 'Meu RG']) expect(zip.includes(Buffer.from(text))).toBe(true)

  const thumb = await photo.getByTestId('image-thumb').getAttribute('src')
  let asked = ''
  page.once('dialog', (dialog) => {
    asked = dialog.message()
    void dialog.accept()
  })
  await panel.getByTestId('privacy-erase').click()
  // Done: the chat leaves the list and closes, for this admin as for every agent (conversation.removed).
  await expect(page.getByTestId('no-chat')).toHaveText('Esta conversa foi apagada com os dados do cliente (LGPD).', { timeout: 30000 })
  await expect(page.getByTestId('conversation').filter({ hasText: 'Cliente Titular' })).toHaveCount(0)
  expect(asked).toContain(`+${jid.split('@')[0]}`)
  await shot(page, '64-privacy-erased')
  const [report] = (await (await page.request.get('/api/erasures/')).json()) as { status: string; messages: number; files: number }[]
  expect([report.status, report.messages, report.files]).toEqual(['done', 2, 1])
  expect((await page.request.get(thumb!)).status()).toBe(404)
})
