// Several WhatsApp numbers of one tenant (step 10): the e2e tenant has its Evolution number
// ("WhatsApp", through the fake Evolution API) and a WhatsApp Cloud API number ("Atendimento",
// through the fake Graph API: webhooks signed with the app secret like Meta's). Screenshots in
// $E2E_ARTIFACTS.
import { createHmac, randomBytes } from 'node:crypto'
import { expect, test, type APIRequestContext } from '@playwright/test'
import { incoming, login, messages, newJid, shot } from './helpers'

const CLOUD_WEBHOOK = process.env.E2E_CLOUD_WEBHOOK_URL!
const CLOUD_APP_SECRET = process.env.E2E_CLOUD_APP_SECRET!
const CLOUD_PHONE_NUMBER_ID = process.env.E2E_CLOUD_PHONE_NUMBER_ID!
const CLOUD_IMAGE_ID = process.env.E2E_CLOUD_IMAGE_ID! // a photo the fake Graph API holds
const CLOUD_IMAGE_SHA256 = process.env.E2E_CLOUD_IMAGE_SHA256! // base64, as Meta's webhooks give it

/** A customer writes to the Cloud API number: Meta's webhook shape, signed X-Hub-Signature-256. */
async function cloudIncoming(request: APIRequestContext, from: string, name: string, message: object) {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '5511999990000', phone_number_id: CLOUD_PHONE_NUMBER_ID },
              contacts: [{ profile: { name }, wa_id: from }],
              messages: [
                {
                  from,
                  id: `wamid.${randomBytes(18).toString('base64')}`,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  ...message,
                },
              ],
            },
          },
        ],
      },
    ],
  })
  const signature = 'sha256=' + createHmac('sha256', CLOUD_APP_SECRET).update(body).digest('hex')
  const response = await request.post(CLOUD_WEBHOOK, {
    data: body,
    headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature },
  })
  expect(response.status()).toBe(200)
}

test('two numbers: each chat says which number it is on, the picker narrows the list, a Cloud API photo arrives', async ({ page, request }) => {
  const jid = newJid()
  const name = 'Cliente Dois Números'
  await incoming(request, 'text', jid, name)
  await cloudIncoming(request, jid.split('@')[0], name, {
    type: 'image',
    image: { id: CLOUD_IMAGE_ID, mime_type: 'image/jpeg', sha256: CLOUD_IMAGE_SHA256, caption: 'Foto pelo número oficial' },
  })
  await login(page)
  const rows = page.getByTestId('conversation').filter({ hasText: name })
  await expect(rows).toHaveCount(2)
  const on = (number: string) => rows.filter({ has: page.getByTestId('conversation-number').filter({ hasText: number }) })
  await expect(on('Atendimento')).toHaveCount(1)
  await expect(on('WhatsApp')).toHaveCount(1)
  await shot(page, '30-two-numbers')
  await page.getByTestId('connection-filter').selectOption({ label: 'Atendimento' })
  await expect(rows).toHaveCount(1)
  await rows.click()
  await expect(page.getByTestId('chat-subtitle')).toContainText('pelo número Atendimento')
  await expect(messages(page, 'image').locator('[data-status=ready]')).toHaveCount(1)
  await expect(messages(page, 'image')).toContainText('Foto pelo número oficial')
  await shot(page, '31-cloud-photo')
  await page.getByTestId('connection-filter').selectOption({ label: 'Todos os números' })
  await expect(rows).toHaveCount(2)
})
