// A view-once file behind a tap, as on the phone: nothing of it is loaded until an agent opens it,
// and the server records who did. Opened, it shows like any file, with who opened it.
import { useState } from 'react'
import { ApiFailure } from '../api/client'
import type { Message } from '../api/types'
import { useChat } from '../state/ChatContext'
import { errorText, t } from '../strings'
import { Blurhash } from './Blurhash'

export function ViewOnceCover({ message }: { message: Message }) {
  const { openViewOnce } = useChat()
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const hash = message.attachments[0]?.metadata.blurhash
  return (
    <button
      type="button"
      data-testid="view-once"
      disabled={busy}
      onClick={() => {
        setBusy(true)
        setError('')
        openViewOnce(message.id)
          .catch((failure) => setError(failure instanceof ApiFailure ? errorText(failure, t.attachment.failed) : t.attachment.failed))
          .finally(() => setBusy(false))
      }}
      className="relative flex h-40 w-60 max-w-full items-center justify-center overflow-hidden rounded-md bg-slate-300"
    >
      {hash && <Blurhash hash={hash} className="absolute inset-0 h-full w-full scale-110 blur-sm" />}
      <span className="relative flex flex-col items-center gap-1 rounded-lg bg-black/55 px-3 py-2 text-sm text-white">
        <span aria-hidden className="text-xl">①</span>
        <span>{t.message.viewOnce}</span>
        <span className="text-xs opacity-80">{t.message.viewOnceTap}</span>
        {error && <span className="text-xs text-red-200">{error}</span>}
      </span>
    </button>
  )
}
