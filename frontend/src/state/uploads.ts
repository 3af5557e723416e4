// Files an agent is sending, from the click to the moment the server has them (then the message's
// own status takes over: processing → sent ✓ → delivered ✓✓ → read). A small external store
// (useSyncExternalStore) because uploads outlive the component that started them.
import { useSyncExternalStore } from 'react'
import { api, ApiFailure } from '../api/client'
import type { UploadPolicy } from '../api/types'
import { checkFile } from '../lib/uploadCheck'
import { transfer, TransferAborted } from '../lib/transfer'
import { errorText, t } from '../strings'

export type UploadPhase = 'starting' | 'uploading' | 'completing' | 'done' | 'failed' | 'cancelled'

export interface UploadEntry {
  key: string
  conversation: string
  fileName: string
  size: number
  progress: number // 0..1
  phase: UploadPhase
  error: string
  attachmentId: string | null
  voice: boolean
  retryable: boolean // passed the client check: sending it again may work
}

interface Job {
  file: File
  caption: string
  replyTo: string | null // the message the file answers (quoted)
  inOrder: boolean
  controller: AbortController
}

let entries: UploadEntry[] = []
const jobs = new Map<string, Job>()
// Per conversation, the last upload sent `inOrder`: the next starts when it has ended, so files
// reviewed together reach the server — and WhatsApp — in the order the agent saw them.
const chains = new Map<string, Promise<void>>()
// ... and the server sends each after the one before (`after`: its upload), however its workers run.
const lastInOrder = new Map<string, string>()
const listeners = new Set<() => void>()
let counter = 0
const CANCELLED_LINGER_MS = 2500

function emit() {
  for (const listener of listeners) listener()
}

function update(key: string, patch: Partial<UploadEntry>) {
  entries = entries.map((e) => (e.key === key ? { ...e, ...patch } : e))
  emit()
}

function remove(key: string) {
  entries = entries.filter((e) => e.key !== key)
  jobs.delete(key)
  emit()
}

export function subscribe(listener: () => void) {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function snapshot() {
  return entries
}

export function useUploads(): UploadEntry[] {
  return useSyncExternalStore(subscribe, snapshot)
}

export function uploadFor(attachmentId: string): UploadEntry | undefined {
  return entries.find((e) => e.attachmentId === attachmentId)
}

/** Whether a file is still going up: leaving the page now would lose it. */
export function uploadsInFlight(): boolean {
  return entries.some((e) => e.phase === 'starting' || e.phase === 'uploading' || e.phase === 'completing')
}

/** Have the browser ask before the tab is closed or reloaded while a file is going up. */
export function guardPageWhileUploading(): () => void {
  const guard = (event: BeforeUnloadEvent) => {
    if (!uploadsInFlight()) return
    event.preventDefault()
    event.returnValue = '' // older Chromium needs it set
  }
  window.addEventListener('beforeunload', guard)
  return () => window.removeEventListener('beforeunload', guard)
}

/** Check then send each file; refused files get an entry with the reason and never touch the network. */
export function sendFiles(
  policy: UploadPolicy,
  conversation: string,
  files: File[],
  options: { voice?: boolean; caption?: string; replyTo?: string | null; inOrder?: boolean } = {},
): void {
  for (const file of files) {
    const key = `u${++counter}`
    const voice = !!options.voice
    const checked = checkFile(policy, file, voice)
    const entry: UploadEntry = {
      key,
      conversation,
      fileName: file.name,
      size: file.size,
      progress: 0,
      phase: checked.ok ? 'starting' : 'failed',
      error: checked.ok ? '' : checked.message,
      attachmentId: null,
      voice,
      retryable: checked.ok,
    }
    entries = [...entries, entry]
    emit()
    if (!checked.ok) continue
    jobs.set(key, {
      file,
      caption: options.caption ?? '',
      replyTo: options.replyTo ?? null,
      inOrder: !!options.inOrder,
      controller: new AbortController(),
    })
    if (options.inOrder) {
      const next = (chains.get(conversation) ?? Promise.resolve()).then(() => run(key, checked.mimeType))
      chains.set(conversation, next)
    } else {
      void run(key, checked.mimeType)
    }
  }
}

async function run(key: string, mimeType: string) {
  const job = jobs.get(key)
  const entry = entries.find((e) => e.key === key)
  if (!job || !entry) return
  const { file, controller } = job
  if (controller.signal.aborted) return // cancelled while waiting for its turn
  try {
    const after = job.inOrder ? lastInOrder.get(entry.conversation) : undefined
    const started = await api.startUpload({
      conversation: entry.conversation,
      file_name: file.name,
      mime_type: mimeType,
      size: file.size,
      voice: entry.voice,
      caption: job.caption,
      ...(job.replyTo ? { reply_to: job.replyTo } : {}),
      ...(after ? { after } : {}),
    })
    if (job.inOrder) lastInOrder.set(entry.conversation, started.id)
    if (controller.signal.aborted) {
      await api.cancelUpload(started.id).catch(() => undefined)
      return
    }
    update(key, { attachmentId: started.id, phase: 'uploading' })
    const parts = await transfer(
      file,
      started.upload,
      controller.signal,
      (fraction) => update(key, { progress: Math.min(1, fraction) }),
      async (numbers) => (await api.moreParts(started.id, numbers)).parts,
    )
    update(key, { phase: 'completing', progress: 1 })
    await api.completeUpload(started.id, parts)
    // The server has the file: the message's own status (processing → sent ✓ …) takes over.
    remove(key)
  } catch (error) {
    if (error instanceof TransferAborted || controller.signal.aborted) return
    const message = error instanceof ApiFailure ? errorText(error, t.upload.failed) : t.upload.network
    update(key, { phase: 'failed', error: message })
  }
}

/** Stop an upload: abort the transfer and tell the server (it deletes the bytes and the message). */
export async function cancelUpload(key: string): Promise<void> {
  const job = jobs.get(key)
  const entry = entries.find((e) => e.key === key)
  if (!entry) return
  job?.controller.abort()
  update(key, { phase: 'cancelled' })
  if (entry.attachmentId) await api.cancelUpload(entry.attachmentId).catch(() => undefined)
  setTimeout(() => remove(key), CANCELLED_LINGER_MS)
}

/** Send a failed upload again from the start (the old one, if the server has it, is cancelled). */
export async function retryUpload(policy: UploadPolicy, key: string): Promise<void> {
  const job = jobs.get(key)
  const entry = entries.find((e) => e.key === key)
  if (!job || !entry) return
  if (entry.attachmentId) await api.cancelUpload(entry.attachmentId).catch(() => undefined)
  remove(key)
  sendFiles(policy, entry.conversation, [job.file], { voice: entry.voice, caption: job.caption, replyTo: job.replyTo })
}

export function dismissUpload(key: string): void {
  remove(key)
}

/** For tests. */
export function resetUploads(): void {
  entries = []
  jobs.clear()
  chains.clear()
  lastInOrder.clear()
  emit()
}
