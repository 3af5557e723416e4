import { defineConfig } from '@playwright/test'

// Run by tests/integration/test_web_e2e.py (inside `make test`), which starts the live system and
// the fake Evolution API and passes their addresses in E2E_* variables. Debian's Chromium only:
// Playwright never downloads a browser here.
export default defineConfig({
  testDir: 'e2e',
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  retries: 0,
  outputDir: process.env.E2E_ARTIFACTS ? `${process.env.E2E_ARTIFACTS}/results` : 'test-results',
  use: {
    baseURL: process.env.E2E_BASE_URL,
    viewport: { width: 1280, height: 800 },
    locale: 'pt-BR',
    timezoneId: 'America/Sao_Paulo',
    permissions: ['microphone'],
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--autoplay-policy=no-user-gesture-required',
        // A microphone that plays a beep, granted without a prompt (the voice note test).
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
      ],
    },
  },
})
