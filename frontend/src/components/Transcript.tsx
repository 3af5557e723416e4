import { useEffect, useState } from 'react'
import { api } from '../api/client'
import type { Attachment } from '../api/types'
import { t } from '../strings'

// A transcript longer than this is folded behind "Ler mais" (a two-minute voice note is ~1,500).
export const FOLDED_CHARS = 280

/** Why a transcript was not made, in Portuguese when the code is known. */
export function transcriptFailure(error: { code: string; message: string } | undefined): string {
  const reason = (error && t.transcript.errors[error.code]) || error?.message || ''
  return reason ? `${t.transcript.failed}: ${reason}` : `${t.transcript.failed}.`
}

/** Under a voice note's or an audio file's player: "Transcrevendo…", the text, or why not (with a
 * way to ask again). Nothing when the server does not transcribe. */
export function Transcript({ attachment }: { attachment: Attachment }) {
  const { transcript_status: status, transcript: text, transcript_error: error } = attachment.metadata
  const [asked, setAsked] = useState(false)
  const [open, setOpen] = useState(false)
  const [askFailed, setAskFailed] = useState('')
  useEffect(() => setAsked(false), [status])
  if (!status) return null
  if (status === 'pending' || asked) {
    return (
      <p className="mt-1 text-xs italic text-slate-500" data-testid="transcript" data-state="pending">
        {t.transcript.pending}
      </p>
    )
  }
  if (status === 'failed') {
    return (
      <p className="mt-1 max-w-[300px] text-xs text-slate-500" data-testid="transcript" data-state="failed">
        {askFailed || transcriptFailure(error)}{' '}
        <button
          type="button"
          className="font-medium text-wa-green underline"
          onClick={() => {
            setAsked(true)
            setAskFailed('')
            api.transcribe(attachment.id).catch((failure: Error) => {
              setAsked(false)
              setAskFailed(`${t.transcript.failed}: ${failure.message}`)
            })
          }}
        >
          {t.transcript.again}
        </button>
      </p>
    )
  }
  const words = (text ?? '').trim()
  const long = words.length > FOLDED_CHARS
  return (
    <div className="mt-1 max-w-[300px] border-l-2 border-wa-green/60 pl-2 text-sm text-slate-700" data-testid="transcript" data-state="done">
      <div className="text-[11px] font-semibold uppercase tracking-wide text-slate-500">{t.transcript.title}</div>
      {words ? (
        <p className="whitespace-pre-wrap break-words" data-testid="transcript-text">
          {long && !open ? `${words.slice(0, FOLDED_CHARS).trimEnd()}…` : words}
        </p>
      ) : (
        <p className="italic text-slate-500">{t.transcript.empty}</p>
      )}
      {long && (
        <button type="button" className="text-xs font-medium text-wa-green underline" onClick={() => setOpen(!open)}>
          {open ? t.transcript.less : t.transcript.more}
        </button>
      )}
    </div>
  )
}
