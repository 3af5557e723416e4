// Voice-note transcription (step 11): the text appears under the player ("Transcrição"), is found
// by search, and a transcript that failed says why and can be asked for again. Against the live
// system, the fake Evolution API and the fake OpenAI-compatible transcription server
// (tools/fake_transcription.py); screenshots in $E2E_ARTIFACTS.
import { expect, test } from '@playwright/test'
import { chatWithNewCustomer, incoming, messages, shot } from './helpers'

const TRANSCRIBER = process.env.E2E_TRANSCRIPTION_URL ?? 'http://127.0.0.1:8082'
const HEARD = 'Bom dia, queria a segunda via do boleto da mensalidade de dezembro'

test('a voice note’s transcript shows under its player and is found by search; a failed one is asked again', async ({ page, request }) => {
  const name = 'Cliente Áudio Transcrito'
  const jid = await chatWithNewCustomer(page, request, name)
  await request.post(`${TRANSCRIBER}/__fake/text`, { data: { text: HEARD } })
  await incoming(request, 'voice', jid, name)
  const first = messages(page, 'voice').first().getByTestId('transcript')
  await expect(first).toHaveAttribute('data-state', 'done')
  await expect(first).toContainText('Transcrição')
  await expect(first).toContainText(HEARD)
  await shot(page, '54-voice-note-transcript')
  // Found by what was said.
  await page.getByTestId('search-all').fill('segunda via mensalidade')
  const hits = page.getByTestId('search-hit')
  await expect(hits.first()).toContainText(name)
  await page.getByTestId('search-all').fill('')
  // The server down through every retry: a state with its reason, and a way to ask again.
  await request.post(`${TRANSCRIBER}/__fake/fail`, { data: { mode: '5xx', times: 50 } })
  await incoming(request, 'voice', jid, name)
  const second = messages(page, 'voice').nth(1).getByTestId('transcript')
  await expect(second).toHaveAttribute('data-state', 'failed', { timeout: 30_000 })
  await expect(second).toContainText('Não foi possível transcrever: o serviço de transcrição não respondeu.')
  await shot(page, '55-transcript-failed')
  await request.post(`${TRANSCRIBER}/__fake/clear`)
  await second.getByRole('button', { name: 'Tentar de novo' }).click()
  await expect(second).toHaveAttribute('data-state', 'done')
  await expect(second).toContainText(HEARD)
})
