// Quick replies ("respostas rápidas", chat.quick_replies): the team's saved answers, a text and/or
// files. In the composer, "/" and a shortcut lists them (↑ ↓, Enter or Tab picks, Esc closes); a
// text-only answer fills the composer to be edited, one with files is shown to be sent as it is.
// The library is managed in QuickRepliesDialog (create, edit, files, delete).
import { useEffect, useRef, useState, type KeyboardEvent } from 'react'
import { api, ApiFailure } from '../api/client'
import type { QuickReply, QuickReplyFile } from '../api/types'
import { formatDuration, formatSize } from '../lib/format'
import { errorText, t } from '../strings'

/** The shortcut being typed: the composer holds "/" and letters only, else null. */
export function typedShortcut(text: string): string | null {
  const match = /^\/([a-z0-9_-]*)$/i.exec(text)
  return match ? match[1].toLowerCase() : null
}

/** The replies whose shortcut starts with what was typed, then those that only contain it. */
export function matching(replies: QuickReply[], typed: string): QuickReply[] {
  const starts = replies.filter((r) => r.shortcut.startsWith(typed))
  const contains = replies.filter((r) => !r.shortcut.startsWith(typed) && r.shortcut.includes(typed))
  return [...starts, ...contains]
}

export function fileLabel(file: QuickReplyFile): string {
  const kind = t.preview[file.category]
  if ((file.category === 'voice' || file.category === 'audio') && file.duration) return `${kind} ${formatDuration(file.duration)}`
  return file.category === 'document' ? `📄 ${file.file_name}` : kind
}

function failed(failure: unknown, fallback: string): string {
  return failure instanceof ApiFailure ? errorText(failure, fallback) : fallback
}

/** The list over the composer while "/…" is typed; `keys` gets the textarea's key presses first. */
export function QuickReplyPicker({
  typed,
  onPick,
  onClose,
  onManage,
  keys,
}: {
  typed: string
  onPick: (reply: QuickReply) => void
  onClose: () => void
  onManage: () => void
  keys: React.MutableRefObject<((event: KeyboardEvent) => boolean) | null>
}) {
  const [replies, setReplies] = useState<QuickReply[] | null>(null)
  const [error, setError] = useState('')
  const [active, setActive] = useState(0)
  useEffect(() => {
    api.quickReplies().then(setReplies, (failure) => setError(failed(failure, t.quick.loadFailed)))
  }, [])
  const shown = replies ? matching(replies, typed) : []
  useEffect(() => setActive(0), [typed])
  keys.current = (event) => {
    if (event.key === 'Escape') onClose()
    else if (event.key === 'ArrowDown') setActive((i) => Math.min(i + 1, shown.length - 1))
    else if (event.key === 'ArrowUp') setActive((i) => Math.max(i - 1, 0))
    else if ((event.key === 'Enter' || event.key === 'Tab') && shown[active]) onPick(shown[active])
    else return false
    return true
  }
  return (
    <div className="absolute bottom-14 left-2 right-2 z-20 max-h-72 overflow-y-auto rounded-lg bg-white py-1 shadow-lg sm:left-4 sm:right-auto sm:w-[26rem]" role="listbox" aria-label={t.quick.title} data-testid="quick-picker">
      {error && <p className="px-4 py-2 text-sm text-red-700">{error}</p>}
      {replies && !shown.length && <p className="px-4 py-2 text-sm text-slate-500">{replies.length ? t.quick.none : t.quick.empty}</p>}
      {shown.map((reply, i) => (
        <button
          key={reply.id}
          type="button"
          role="option"
          aria-selected={i === active}
          data-testid="quick-option"
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => onPick(reply)}
          className={`block w-full px-4 py-2 text-left ${i === active ? 'bg-slate-100' : 'hover:bg-slate-50'}`}
        >
          <span className="font-semibold text-wa-green">/{reply.shortcut}</span>
          {reply.files.length > 0 && <span className="ml-2 text-xs text-slate-500">{reply.files.map(fileLabel).join(' · ')}</span>}
          {reply.text && <span className="block truncate text-sm text-slate-600">{reply.text}</span>}
        </button>
      ))}
      <button type="button" onMouseDown={(e) => e.preventDefault()} onClick={onManage} className="block w-full border-t border-slate-100 px-4 py-2 text-left text-sm text-wa-green hover:bg-slate-50">
        ⚡ {t.quick.manage}
      </button>
    </div>
  )
}

/** A picked reply with files, as it will be sent: Enviar (Enter) or ✕ (Esc). */
export function QuickReplyCard({ reply, onSend, onCancel, sending }: { reply: QuickReply; onSend: () => void; onCancel: () => void; sending: boolean }) {
  const send = useRef<HTMLButtonElement>(null)
  useEffect(() => send.current?.focus(), [])
  return (
    <div className="flex items-center gap-2 rounded-lg bg-white p-2" data-testid="quick-card" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <div className="min-w-0 flex-1">
        <div className="text-xs font-semibold text-wa-green">
          {t.quick.chosen} /{reply.shortcut}
        </div>
        <ul className="flex flex-wrap gap-1 py-1">
          {reply.files.map((file) => (
            <li key={file.id} className="rounded bg-slate-100 px-2 py-0.5 text-xs text-slate-700" data-testid="quick-card-file">
              {fileLabel(file)}
            </li>
          ))}
        </ul>
        {reply.text && <p className="line-clamp-2 text-sm text-slate-700">{reply.text}</p>}
      </div>
      <button type="button" onClick={onCancel} aria-label={t.quick.cancel} className="flex h-10 w-10 flex-none items-center justify-center rounded-full text-xl text-slate-600 hover:bg-slate-200">
        ✕
      </button>
      <button ref={send} type="button" onClick={onSend} disabled={sending} className="rounded-full bg-wa-green px-4 py-2 text-sm font-medium text-white disabled:opacity-60" data-testid="quick-send">
        {t.quick.send}
      </button>
    </div>
  )
}

/** The team's library: new replies, their text and shortcut, their files (an audio as a voice note
 * or not), deleting. */
export function QuickRepliesDialog({ onClose }: { onClose: () => void }) {
  const [replies, setReplies] = useState<QuickReply[]>([])
  const [editing, setEditing] = useState<string | null>(null)
  const [error, setError] = useState('')
  const load = () => api.quickReplies().then(setReplies, (failure) => setError(failed(failure, t.quick.loadFailed)))
  useEffect(() => {
    void load()
  }, [])
  const replace = (reply: QuickReply) => setReplies((all) => [...all.filter((r) => r.id !== reply.id), reply].sort((a, b) => a.shortcut.localeCompare(b.shortcut)))
  return (
    <div className="fixed inset-0 z-40 flex items-center justify-center bg-black/40 p-4" role="dialog" aria-label={t.quick.title} data-testid="quick-dialog" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="flex max-h-full w-full max-w-xl flex-col rounded-lg bg-white shadow-xl">
        <header className="flex items-center justify-between border-b px-4 py-3">
          <div>
            <h3 className="font-medium text-slate-800">{t.quick.title}</h3>
            <p className="text-xs text-slate-500">{t.quick.hint}</p>
          </div>
          <button type="button" onClick={onClose} aria-label={t.quick.close} className="rounded-full px-2 text-xl text-slate-600 hover:bg-slate-100">
            ✕
          </button>
        </header>
        <div className="min-h-0 flex-1 overflow-y-auto p-4">
          {error && (
            <p role="alert" className="mb-2 text-sm text-red-700">
              {error}
            </p>
          )}
          <ReplyForm
            key="new"
            onSaved={(reply) => {
              replace(reply)
              setEditing(reply.id)
            }}
          />
          <ul className="mt-4 space-y-3">
            {replies.map((reply) => (
              <li key={reply.id} className="rounded-lg border border-slate-200 p-3" data-testid="quick-item">
                {editing === reply.id ? (
                  <ReplyForm reply={reply} onSaved={replace} onDone={() => setEditing(null)} />
                ) : (
                  <div className="flex items-start gap-2">
                    <div className="min-w-0 flex-1">
                      <div className="font-semibold text-wa-green">/{reply.shortcut}</div>
                      {reply.text && <p className="whitespace-pre-wrap text-sm text-slate-700">{reply.text}</p>}
                      {reply.files.length > 0 && <p className="text-xs text-slate-500">{reply.files.map(fileLabel).join(' · ')}</p>}
                    </div>
                    <button type="button" className="text-sm text-wa-green underline" onClick={() => setEditing(reply.id)}>
                      {t.quick.edit}
                    </button>
                    <button
                      type="button"
                      className="text-sm text-red-700 underline"
                      onClick={() => {
                        if (!window.confirm(t.quick.confirmDelete(reply.shortcut))) return
                        api.deleteQuickReply(reply.id).then(
                          () => setReplies((all) => all.filter((r) => r.id !== reply.id)),
                          (failure) => setError(failed(failure, t.quick.saveFailed)),
                        )
                      }}
                    >
                      {t.quick.delete}
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  )
}

function ReplyForm({ reply, onSaved, onDone }: { reply?: QuickReply; onSaved: (reply: QuickReply) => void; onDone?: () => void }) {
  const [shortcut, setShortcut] = useState(reply?.shortcut ?? '')
  const [text, setText] = useState(reply?.text ?? '')
  const [voice, setVoice] = useState(true)
  const [busy, setBusy] = useState('')
  const [error, setError] = useState('')
  const input = useRef<HTMLInputElement>(null)
  const save = async () => {
    setError('')
    setBusy(t.quick.save)
    try {
      const saved = reply ? await api.updateQuickReply(reply.id, { shortcut, text }) : await api.createQuickReply(shortcut, text)
      onSaved(saved)
      if (reply) onDone?.()
      else {
        setShortcut('')
        setText('')
      }
    } catch (failure) {
      setError(failed(failure, t.quick.saveFailed))
    } finally {
      setBusy('')
    }
  }
  const addFiles = async (files: File[]) => {
    if (!reply) return
    setError('')
    setBusy(t.quick.adding)
    try {
      for (const file of files) onSaved(await api.addQuickReplyFile(reply.id, file, voice))
    } catch (failure) {
      setError(failed(failure, t.quick.saveFailed))
    } finally {
      setBusy('')
    }
  }
  return (
    <form
      className="space-y-2"
      data-testid={reply ? 'quick-edit' : 'quick-new'}
      onSubmit={(e) => {
        e.preventDefault()
        void save()
      }}
    >
      {!reply && <h4 className="text-sm font-medium text-slate-700">{t.quick.create}</h4>}
      <label className="flex items-center gap-1 text-sm">
        <span className="text-slate-500">/</span>
        <input value={shortcut} onChange={(e) => setShortcut(e.target.value)} placeholder={t.quick.shortcut} aria-label={t.quick.shortcut} className="w-48 rounded border border-slate-300 px-2 py-1" required />
      </label>
      <textarea value={text} onChange={(e) => setText(e.target.value)} placeholder={t.quick.text} aria-label={t.quick.text} rows={3} className="w-full rounded border border-slate-300 px-2 py-1 text-sm" />
      {reply && (
        <div className="space-y-1">
          <ul className="flex flex-wrap gap-1">
            {reply.files.map((file) => (
              <li key={file.id} className="flex items-center gap-1 rounded bg-slate-100 px-2 py-0.5 text-xs" data-testid="quick-file">
                {fileLabel(file)} · {formatSize(file.size)}
                <button
                  type="button"
                  aria-label={t.quick.removeFile(file.file_name)}
                  onClick={() =>
                    api.removeQuickReplyFile(reply.id, file.id).then(
                      () => onSaved({ ...reply, files: reply.files.filter((f) => f.id !== file.id) }),
                      (failure) => setError(failed(failure, t.quick.saveFailed)),
                    )
                  }
                >
                  ✕
                </button>
              </li>
            ))}
          </ul>
          <div className="flex flex-wrap items-center gap-3 text-sm">
            <button type="button" className="text-wa-green underline" onClick={() => input.current?.click()}>
              📎 {t.quick.addFile}
            </button>
            <label className="flex items-center gap-1 text-xs text-slate-600">
              <input type="checkbox" checked={voice} onChange={(e) => setVoice(e.target.checked)} />
              {t.quick.asVoice}
            </label>
            <input
              ref={input}
              type="file"
              multiple
              hidden
              data-testid="quick-file-input"
              onChange={(e) => {
                void addFiles([...(e.target.files ?? [])])
                e.target.value = ''
              }}
            />
          </div>
        </div>
      )}
      {error && (
        <p role="alert" className="text-sm text-red-700" data-testid="quick-error">
          {error}
        </p>
      )}
      <div className="flex items-center gap-2">
        <button type="submit" disabled={!!busy} className="rounded bg-wa-green px-3 py-1 text-sm font-medium text-white disabled:opacity-60">
          {t.quick.save}
        </button>
        {reply && (
          <button type="button" className="text-sm text-slate-600 underline" onClick={onDone}>
            {t.quick.close}
          </button>
        )}
        {busy && busy !== t.quick.save && <span className="text-xs text-slate-500">{busy}</span>}
      </div>
    </form>
  )
}
