// Writing and sending: text (Enter sends, Shift+Enter breaks the line), 📎 files (pictures and
// videos, documents, audio) or a pasted picture — reviewed before they are sent (ReviewTray) —
// and 🎤 a voice note recorded in the browser, sent at once or listened to first; "/" picks a quick
// reply (QuickReplies), ⚡ manages them.
import { useEffect, useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react'
import { api, ApiFailure } from '../api/client'
import type { QuickReply } from '../api/types'
import { useChat } from '../state/ChatContext'
import { addDrafts, useDrafts } from '../state/review'
import { sendFiles } from '../state/uploads'
import { errorText, t } from '../strings'
import { conversationName } from '../lib/avatar'
import { quoteOf } from './MessageBubble'
import { QuotedBubble } from './QuotedBubble'
import { QuickRepliesDialog, QuickReplyCard, QuickReplyPicker, typedShortcut } from './QuickReplies'
import { ReviewTray } from './ReviewTray'
import { VoicePreview, VoiceRecorder } from './VoiceRecorder'

const PICKERS = [
  { key: 'media', label: t.composer.attachMedia, accept: 'image/*,video/*', icon: '🖼️' },
  { key: 'document', label: t.composer.attachDocument, accept: '', icon: '📄' },
  { key: 'audio', label: t.composer.attachAudio, accept: 'audio/*', icon: '🎵' },
] as const

export function Composer({ conversationId }: { conversationId: string }) {
  const { policy, sendText, state, replyTo, setReplyTo } = useChat()
  const answering = replyTo[conversationId] ? state.threads[conversationId]?.byId[replyTo[conversationId]!] : undefined
  const replying = answering && !answering.deleted_at ? answering : undefined
  const conversation = state.conversations[conversationId]
  const contact = conversation ? conversationName(conversation, t.conversations.group) : ''
  const [text, setText] = useState('')
  const [error, setError] = useState('')
  const [menu, setMenu] = useState(false)
  const [recording, setRecording] = useState(false)
  const [sending, setSending] = useState(false)
  const [recorded, setRecorded] = useState<File | null>(null)
  const [chosen, setChosen] = useState<QuickReply | null>(null)
  const [managing, setManaging] = useState(false)
  const [pickerClosed, setPickerClosed] = useState(false)
  const pickerKeys = useRef<((event: KeyboardEvent) => boolean) | null>(null)
  const typed = typedShortcut(text)
  const picking = typed !== null && !pickerClosed && !chosen
  const reviewing = useDrafts(conversationId).length > 0
  const inputs = useRef<Record<string, HTMLInputElement | null>>({})
  const textarea = useRef<HTMLTextAreaElement>(null)
  const maxChars = policy?.text_max_chars ?? 4096

  useEffect(() => textarea.current?.focus(), [conversationId, replying?.id])

  useEffect(() => {
    const el = textarea.current
    if (!el) return
    el.style.height = 'auto'
    el.style.height = `${Math.min(el.scrollHeight, 140)}px`
  }, [text])

  const files = (list: File[]) => {
    setMenu(false)
    if (!list.length || !policy) return
    // Text typed before attaching becomes the first file's caption, as in WhatsApp; nothing is
    // sent before the agent says so in the review.
    const caption = reviewing ? '' : text.trim()
    addDrafts(policy, conversationId, list, { caption })
    if (caption) setText('')
  }

  const sendVoice = (file: File) => {
    if (policy) sendFiles(policy, conversationId, [file], { voice: true, replyTo: replying?.id ?? null })
    setReplyTo(conversationId, null)
  }

  const submit = async () => {
    const body = text.trim()
    if (!body || sending) return
    if (body.length > maxChars) {
      setError(t.composer.textTooLong(maxChars))
      return
    }
    setSending(true)
    setError('')
    try {
      await sendText(conversationId, body, replying?.id ?? null)
      setText('')
      setReplyTo(conversationId, null)
    } catch (failure) {
      setError(failure instanceof ApiFailure ? errorText(failure, t.composer.sendFailed) : t.composer.sendFailed)
    } finally {
      setSending(false)
      textarea.current?.focus()
    }
  }

  const pick = (reply: QuickReply) => {
    setPickerClosed(true)
    if (reply.files.length) {
      setChosen(reply)
      setText('')
    } else setText(reply.text) // a text answer is filled in, to be read and edited before Enter
    textarea.current?.focus()
  }

  const sendChosen = async () => {
    if (!chosen || sending) return
    setSending(true)
    setError('')
    try {
      await api.sendQuickReply(chosen.id, conversationId, replying?.id ?? null)
      setChosen(null)
      setReplyTo(conversationId, null)
    } catch (failure) {
      setError(failure instanceof ApiFailure ? errorText(failure, t.quick.sendFailed) : t.quick.sendFailed)
    } finally {
      setSending(false)
    }
  }

  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (picking && pickerKeys.current?.(event)) {
      event.preventDefault()
      return
    }
    if (event.key === 'Escape' && replying) {
      setReplyTo(conversationId, null)
      return
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault()
      void submit()
    }
  }

  const onPaste = (event: ClipboardEvent) => {
    const pasted = [...event.clipboardData.files]
    if (pasted.length) {
      event.preventDefault()
      files(pasted)
    }
  }

  if (recorded) {
    return (
      <VoicePreview
        file={recorded}
        onDiscard={() => setRecorded(null)}
        onSend={() => {
          sendVoice(recorded)
          setRecorded(null)
        }}
      />
    )
  }

  if (recording) {
    return (
      <VoiceRecorder
        onCancel={() => setRecording(false)}
        onRecorded={(file) => {
          setRecording(false)
          sendVoice(file)
        }}
        onReview={(file) => {
          setRecording(false)
          setRecorded(file)
        }}
        onError={(message) => {
          setRecording(false)
          setError(message)
        }}
      />
    )
  }

  const icon = 'flex h-10 w-10 flex-none items-center justify-center rounded-full text-xl text-slate-600 hover:bg-slate-200'
  return (
    <div className="relative flex-none bg-wa-panel px-2 py-2 sm:px-4">
      {error && (
        <p role="alert" className="mb-1 px-2 text-sm text-red-700" data-testid="composer-error">
          {error}
        </p>
      )}
      {menu && (
        <ul className="absolute bottom-14 left-2 z-10 w-56 rounded-lg bg-white py-1 shadow-lg" role="menu" onKeyDown={(e) => e.key === 'Escape' && setMenu(false)}>
          {PICKERS.map((picker) => (
            <li key={picker.key} role="none">
              <button type="button" role="menuitem" autoFocus={picker.key === 'media'} onClick={() => inputs.current[picker.key]?.click()} className="flex w-full items-center gap-3 px-4 py-2 text-left text-sm hover:bg-slate-100">
                <span aria-hidden>{picker.icon}</span>
                {picker.label}
              </button>
            </li>
          ))}
        </ul>
      )}
      {PICKERS.map((picker) => (
        <input
          key={picker.key}
          ref={(el) => {
            inputs.current[picker.key] = el
          }}
          type="file"
          multiple
          accept={picker.accept || undefined}
          hidden
          data-testid={`file-input-${picker.key}`}
          onChange={(e) => {
            files([...(e.target.files ?? [])])
            e.target.value = ''
          }}
        />
      ))}
      {replying && (
        <div className="mb-2 flex items-center gap-2 rounded-lg bg-white p-1.5" data-testid="reply-preview" aria-label={t.message.replyingTo}>
          <div className="min-w-0 flex-1">
            <QuotedBubble
              testId="reply-preview-quote"
              quote={
                quoteOf(
                  {
                    ...replying,
                    reply_to: {
                      id: replying.id,
                      wa_message_id: replying.wa_message_id,
                      direction: replying.direction,
                      author_name: replying.author_name,
                      text: replying.text,
                      category: replying.attachments[0]?.category ?? '',
                      thumb_url: replying.attachments[0]?.urls.thumb ?? replying.attachments[0]?.urls.poster ?? null,
                    },
                  },
                  contact,
                )!
              }
            />
          </div>
          <button type="button" className={icon} aria-label={t.message.cancelReply} onClick={() => setReplyTo(conversationId, null)}>
            ✕
          </button>
        </div>
      )}
      {managing && <QuickRepliesDialog onClose={() => setManaging(false)} />}
      {picking && (
        <QuickReplyPicker
          typed={typed}
          keys={pickerKeys}
          onPick={pick}
          onClose={() => setPickerClosed(true)}
          onManage={() => {
            setPickerClosed(true)
            setManaging(true)
          }}
        />
      )}
      {chosen ? (
        <QuickReplyCard reply={chosen} sending={sending} onSend={() => void sendChosen()} onCancel={() => setChosen(null)} />
      ) : reviewing ? (
        <ReviewTray conversationId={conversationId} replyTo={replying?.id ?? null} onSent={() => setReplyTo(conversationId, null)} />
      ) : (
        <div className="flex items-end gap-1">
          <button type="button" className={icon} aria-label={t.composer.attach} aria-haspopup="menu" aria-expanded={menu} onClick={() => setMenu(!menu)}>
            📎
          </button>
          <button type="button" className={`${icon} hidden sm:flex`} aria-label={t.quick.open} data-testid="open-quick-replies" onClick={() => setManaging(true)}>
            ⚡
          </button>
          <textarea
            ref={textarea}
            rows={1}
            value={text}
            onChange={(e) => {
              setText(e.target.value)
              if (e.target.value === '/' || !e.target.value.startsWith('/')) setPickerClosed(false)
            }}
            onKeyDown={onKey}
            onPaste={onPaste}
            placeholder={t.composer.placeholder}
            aria-label={t.composer.placeholder}
            className="max-h-36 min-h-10 flex-1 resize-none rounded-lg border-0 bg-white px-3 py-2 text-[15px] leading-6 focus:outline-none"
          />
          {text.trim() ? (
            <button type="button" className={`${icon} bg-wa-green text-white hover:bg-wa-green`} aria-label={t.composer.send} onClick={() => void submit()} disabled={sending}>
              ➤
            </button>
          ) : (
            <button type="button" className={icon} aria-label={t.composer.record} onClick={() => setRecording(true)}>
              🎤
            </button>
          )}
        </div>
      )}
    </div>
  )
}
