// A customer asks the company to delete a photo they sent (LGPD): the agent removes it from the
// message's 🗑 (after confirming); the chat shows "🗑️ Mídia removida por …" at once, the photo's
// URLs answer 410, and the message itself stays. Against the live system; screenshot 62.
import { expect, test } from '@playwright/test'
import { chatWithNewCustomer, imageLoaded, incoming, messages, shot } from './helpers'

test('an agent removes a photo on request: the placeholder shows, its URLs are gone', async ({ page, request }) => {
  const jid = await chatWithNewCustomer(page, request, 'Cliente LGPD')
  await incoming(request, 'image', jid, 'Cliente LGPD', { caption: 'Meu documento' })
  const photo = messages(page, 'image')
  await imageLoaded(page, '[data-testid=image-thumb]')
  const thumb = await photo.getByTestId('image-thumb').getAttribute('src')
  expect((await page.request.get(thumb!)).status()).toBe(200)
  let asked = ''
  page.once('dialog', (dialog) => {
    asked = dialog.message()
    void dialog.accept()
  })
  await photo.hover()
  await photo.getByTestId('remove-media').click()
  await expect(photo.getByTestId('media-removed')).toContainText('🗑️ Mídia removida por')
  expect(asked).toContain('não poderá ser recuperado')
  await expect(photo.getByTestId('image-thumb')).toHaveCount(0)
  await expect(photo).toContainText('Meu documento') // the message stays, with its caption
  expect((await page.request.get(thumb!)).status()).toBe(410)
  await shot(page, '62-media-removed')
  // A customer's whole data (export, erasure, the audit log) is the admins' (privacy.spec.ts).
  await expect(page.getByTestId('open-privacy')).toHaveCount(0)
})
