// Records a voice note with MediaRecorder (Chromium/Firefox: WebM/Opus; Safari: MP4/AAC); the server
// turns it into the Ogg/Opus voice note WhatsApp expects. Stopped, it is sent at once (➤) or first
// listened to (VoicePreview: play it, then send or discard).
import { useEffect, useMemo, useRef, useState } from 'react'
import { formatDuration } from '../lib/format'
import { t } from '../strings'

const PREFERRED_TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4', 'audio/webm']

export function recordingType(isSupported: (type: string) => boolean): string {
  return PREFERRED_TYPES.find(isSupported) ?? ''
}

export function recordingFileName(mimeType: string, now: Date = new Date()): string {
  const extension = mimeType.includes('mp4') ? 'm4a' : mimeType.includes('ogg') ? 'ogg' : 'webm'
  const stamp = now.toISOString().slice(0, 19).replace(/[-:T]/g, '')
  return `audio-${stamp}.${extension}`
}

interface Props {
  onRecorded: (file: File) => void // stopped to send
  onReview: (file: File) => void // stopped to listen first
  onCancel: () => void
  onError: (message: string) => void
}

export function VoiceRecorder({ onRecorded, onReview, onCancel, onError }: Props) {
  const recorder = useRef<MediaRecorder | null>(null)
  const chunks = useRef<Blob[]>([])
  const keep = useRef<'send' | 'review' | null>(null)
  const [seconds, setSeconds] = useState(0)

  useEffect(() => {
    let stream: MediaStream | null = null
    let timer: ReturnType<typeof setInterval> | undefined
    let cancelled = false
    if (typeof MediaRecorder === 'undefined' || !navigator.mediaDevices?.getUserMedia) {
      onError(t.composer.micUnsupported)
      return
    }
    navigator.mediaDevices.getUserMedia({ audio: true }).then(
      (granted) => {
        if (cancelled) return granted.getTracks().forEach((track) => track.stop())
        stream = granted
        const mimeType = recordingType((type) => MediaRecorder.isTypeSupported(type))
        const media = new MediaRecorder(granted, mimeType ? { mimeType } : undefined)
        recorder.current = media
        media.ondataavailable = (event) => event.data.size && chunks.current.push(event.data)
        media.onstop = () => {
          granted.getTracks().forEach((track) => track.stop())
          if (!keep.current) return
          const type = (media.mimeType || mimeType || 'audio/webm').split(';')[0]
          const file = new File(chunks.current, recordingFileName(type), { type })
          if (keep.current === 'review') onReview(file)
          else onRecorded(file)
        }
        media.start(250)
        const started = Date.now()
        timer = setInterval(() => setSeconds((Date.now() - started) / 1000), 200)
      },
      () => onError(t.composer.micDenied),
    )
    return () => {
      cancelled = true
      clearInterval(timer)
      if (recorder.current?.state === 'recording') recorder.current.stop()
      stream?.getTracks().forEach((track) => track.stop())
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  const stop = (then: 'send' | 'review' | null) => {
    keep.current = then
    if (recorder.current?.state === 'recording') recorder.current.stop()
    if (!then) onCancel()
  }

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && stop(null)
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  })

  return (
    <div className="flex flex-none items-center gap-3 bg-wa-panel px-4 py-3" data-testid="recorder">
      <button type="button" onClick={() => stop(null)} aria-label={t.composer.cancelRecording} className="rounded-full p-2 text-xl text-slate-600 hover:bg-slate-200">
        🗑️
      </button>
      <span className="h-3 w-3 animate-pulse rounded-full bg-red-600" aria-hidden />
      <span className="flex-1 text-sm text-slate-700" aria-live="polite">
        {t.composer.recording} <span className="tabular-nums" data-testid="recording-time">{formatDuration(seconds)}</span>
      </span>
      <button type="button" onClick={() => stop('review')} aria-label={t.review.listen} className="flex h-10 w-10 items-center justify-center rounded-full text-xl text-red-600 hover:bg-slate-200">
        ⏹
      </button>
      <button type="button" autoFocus onClick={() => stop('send')} aria-label={t.composer.stopAndSend} className="flex h-10 w-10 items-center justify-center rounded-full bg-wa-green text-white">
        ➤
      </button>
    </div>
  )
}

/** A recorded voice note, heard before it goes: play it, then send (➤) or discard (🗑️, or Esc). */
export function VoicePreview({ file, onSend, onDiscard }: { file: File; onSend: () => void; onDiscard: () => void }) {
  const url = useMemo(() => (typeof URL.createObjectURL === 'function' ? URL.createObjectURL(file) : ''), [file])
  useEffect(() => () => void (url && URL.revokeObjectURL(url)), [url])
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onDiscard()
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  })
  return (
    <div className="flex flex-none items-center gap-3 bg-wa-panel px-4 py-3" data-testid="voice-preview" role="region" aria-label={t.review.voiceReady}>
      <button type="button" onClick={onDiscard} aria-label={t.review.discardVoice} className="rounded-full p-2 text-xl text-slate-600 hover:bg-slate-200">
        🗑️
      </button>
      <audio src={url} controls preload="metadata" className="h-10 min-w-0 flex-1" data-testid="voice-preview-audio" />
      <button type="button" autoFocus onClick={onSend} aria-label={t.review.sendVoice} className="flex h-10 w-10 items-center justify-center rounded-full bg-wa-green text-white">
        ➤
      </button>
    </div>
  )
}
