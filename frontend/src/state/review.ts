// Files chosen but not sent yet (the design's "arquivo selecionado"): attach, drop or paste puts
// them here; the agent sees a preview of each, writes a caption per file, removes some, adds more,
// then sends them — in the order shown, each its own WhatsApp message — or cancels. Nothing
// touches the network before "Enviar": a file the server would refuse is flagged here with the
// reason (the same check as POST /api/uploads/) and is never sent. A small external store, like
// `uploads`, so the chat pane (drop) and the composer (attach, paste) share it.
import { useSyncExternalStore } from 'react'
import type { Category, UploadPolicy } from '../api/types'
import { checkFile, type Checked } from '../lib/uploadCheck'
import { sendFiles } from './uploads'

export interface Draft {
  key: string
  conversation: string
  file: File
  caption: string
  voice: boolean
  checked: Checked
  kind: Category | 'pdf' // what the preview shows
  url: string // an object URL of the file, for the preview (revoked when the draft goes)
}

let drafts: Draft[] = []
const listeners = new Set<() => void>()
let counter = 0

function emit() {
  for (const listener of listeners) listener()
}

function subscribe(listener: () => void) {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

function objectUrl(file: File): string {
  return typeof URL.createObjectURL === 'function' ? URL.createObjectURL(file) : ''
}

function release(gone: Draft[]) {
  for (const draft of gone) if (draft.url && typeof URL.revokeObjectURL === 'function') URL.revokeObjectURL(draft.url)
}

function previewKind(checked: Checked): Draft['kind'] {
  if (!checked.ok) return 'document'
  if (checked.category === 'document' && checked.mimeType === 'application/pdf') return 'pdf'
  return checked.category
}

/** Put files in review for `conversation` (after those already there). `caption` goes to the first. */
export function addDrafts(
  policy: UploadPolicy,
  conversation: string,
  files: File[],
  options: { voice?: boolean; caption?: string } = {},
): void {
  const voice = !!options.voice
  const added = files.map((file, index) => {
    const checked = checkFile(policy, file, voice)
    return {
      key: `d${++counter}`,
      conversation,
      file,
      caption: index === 0 ? (options.caption ?? '') : '',
      voice,
      checked,
      kind: previewKind(checked),
      url: objectUrl(file),
    }
  })
  if (!added.length) return
  drafts = [...drafts, ...added]
  emit()
}

export function setDraftCaption(key: string, caption: string): void {
  drafts = drafts.map((d) => (d.key === key ? { ...d, caption } : d))
  emit()
}

export function removeDraft(key: string): void {
  release(drafts.filter((d) => d.key === key))
  drafts = drafts.filter((d) => d.key !== key)
  emit()
}

/** Cancel the review: nothing is sent. */
export function discardDrafts(conversation: string): void {
  release(drafts.filter((d) => d.conversation === conversation))
  drafts = drafts.filter((d) => d.conversation !== conversation)
  emit()
}

/** Send every acceptable file in review, in order, each with its caption; the refused are dropped
 * (they were flagged). Returns how many were sent. */
export function sendDrafts(policy: UploadPolicy, conversation: string, replyTo: string | null = null): number {
  const mine = drafts.filter((d) => d.conversation === conversation)
  const sending = mine.filter((d) => d.checked.ok)
  sending.forEach((draft, index) =>
    sendFiles(policy, conversation, [draft.file], {
      voice: draft.voice,
      caption: draft.caption.trim(),
      replyTo: index === 0 ? replyTo : null, // a reply quotes with the first file, as WhatsApp does
      inOrder: true,
    }),
  )
  discardDrafts(conversation)
  return sending.length
}

export function draftsSnapshot(): Draft[] {
  return drafts
}

export function useDrafts(conversation: string): Draft[] {
  const all = useSyncExternalStore(subscribe, draftsSnapshot)
  return all.filter((d) => d.conversation === conversation)
}

/** For tests. */
export function resetDrafts(): void {
  release(drafts)
  drafts = []
  emit()
}
