/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react'
import tailwindcss from '@tailwindcss/vite'
import { defineConfig } from 'vite'

// Built into dist/ and served by Django under /static/app/ (chatmedia/web). `npm run dev` proxies the
// API, media and WebSocket to a running `make run` on :8000.
const backend = process.env.CHATMEDIA_URL ?? 'http://127.0.0.1:8000'

export default defineConfig({
  base: '/static/app/',
  plugins: [react(), tailwindcss()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: {
    proxy: {
      '/api': backend,
      '/media': backend,
      '/uploads': backend,
      '/ws': { target: backend.replace('http', 'ws'), ws: true },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
})
