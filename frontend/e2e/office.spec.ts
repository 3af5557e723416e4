// Every file works everywhere (step 12), in Chromium against the live system: a Word file and a
// spreadsheet an agent sends get their first page and "20 páginas" / "5 planilhas" (LibreOffice on
// the server), and reach WhatsApp as documents; a customer's iPhone video (HEVC, which Chromium plays
// without picture) is played from its H.264 copy: the player has frames and its time advances.
import { expect, test } from '@playwright/test'
import path from 'node:path'
import { chatWithNewCustomer, FILES, imageLoaded, incoming, messages, sendReviewed, sends, shot } from './helpers'

const file = (name: string) => path.join(FILES, name)

test('a Word file and a spreadsheet get their first page, page and sheet counts, and are sent', async ({ page, request }) => {
  const jid = await chatWithNewCustomer(page, request, 'Cliente Orçamento')
  await page.getByTestId('file-input-document').setInputFiles([file('relatorio.docx'), file('orcamento.xlsx')])
  await sendReviewed(page, 2)
  const documents = messages(page, 'document')
  await expect(documents).toHaveCount(2)
  const report = documents.filter({ hasText: 'relatorio.docx' })
  const budget = documents.filter({ hasText: 'orcamento.xlsx' })
  await expect(report.getByTestId('document-details')).toContainText('20 páginas', { timeout: 60_000 })
  await expect(budget.getByTestId('document-details')).toContainText('5 planilhas', { timeout: 60_000 })
  await imageLoaded(page, '[data-testid=document-preview]')
  for (const card of [report, budget]) {
    const size = await card.getByTestId('document-preview').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])
    expect(Math.max(...size)).toBeGreaterThan(600) // the page drawn, not an icon
  }
  for (const card of [report, budget]) await expect(card.getByTestId('status')).toHaveAttribute('data-state', 'sent', { timeout: 60_000 })
  const sent = (await sends(request)).filter((s) => s.number === jid)
  expect(sent.map((s) => [s.mediatype, s.fileName, s.magic])).toEqual([
    ['document', 'relatorio.docx', 'PK\u0003\u0004'],
    ['document', 'orcamento.xlsx', 'PK\u0003\u0004'],
  ])
  await shot(page, '60-office-previews')
})

test("a customer's iPhone video (HEVC) plays from its H.264 copy", async ({ page, request }) => {
  const jid = await chatWithNewCustomer(page, request, 'Cliente iPhone')
  await incoming(request, 'iphone-video', jid, 'Cliente iPhone')
  const video = messages(page, 'video').getByTestId('video')
  await expect(video).toHaveAttribute('src', /\/playback\?/, { timeout: 90_000 })
  const played = await video.evaluate(
    (element: HTMLVideoElement) =>
      new Promise<{ readyState: number; time: number; width: number }>((done, fail) => {
        element.addEventListener('error', () => fail(new Error(`video error ${element.error?.code}`)), { once: true })
        element.muted = true
        element.addEventListener(
          'timeupdate',
          () => element.currentTime > 0.5 && done({ readyState: element.readyState, time: element.currentTime, width: element.videoWidth }),
        )
        element.play().catch(fail)
      }),
  )
  expect(played.readyState).toBeGreaterThanOrEqual(2) // HAVE_CURRENT_DATA: a picture, not sound only
  expect(played.time).toBeGreaterThan(0.5)
  expect(played.width).toBe(640)
  await shot(page, '61-hevc-playing')
})
