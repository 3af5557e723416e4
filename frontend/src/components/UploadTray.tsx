// Above the composer: files of this chat that have no bubble of their own yet (starting), and those
// refused before any byte moved, failed, or cancelled, with the reason and retry. Once the server
// has a message for an upload, its bubble shows the progress (UploadingMedia).
import { formatSize } from '../lib/format'
import { useChat } from '../state/ChatContext'
import { cancelUpload, dismissUpload, retryUpload, useUploads, type UploadEntry } from '../state/uploads'
import { t } from '../strings'
import { UploadProgress } from './UploadProgress'

function phaseText(entry: UploadEntry): string {
  if (entry.phase === 'failed') return entry.error || t.upload.failed
  if (entry.phase === 'cancelled') return t.upload.cancelled
  return ''
}

export function UploadTray({ conversationId }: { conversationId: string }) {
  const { policy } = useChat()
  const entries = useUploads().filter(
    (e) => e.conversation === conversationId && !(e.attachmentId && ['uploading', 'completing', 'done'].includes(e.phase)),
  )
  if (entries.length === 0) return null
  return (
    <ul className="max-h-48 flex-none space-y-1 overflow-y-auto border-t border-slate-200 bg-white px-3 py-2" aria-label={t.status.uploading} data-testid="upload-tray">
      {entries.map((entry) => {
        const active = entry.phase === 'starting' || entry.phase === 'uploading'
        const failed = entry.phase === 'failed'
        return (
          <li key={entry.key} className="text-sm" data-testid="upload" data-phase={entry.phase}>
            <div className="flex items-center gap-2">
              <span className="min-w-0 flex-1 truncate text-slate-800">
                {entry.voice ? '🎤 ' : '📎 '}
                {entry.fileName}
              </span>
              <span className="flex-none text-xs text-slate-500">{formatSize(entry.size)}</span>
              {active && (
                <button type="button" onClick={() => void cancelUpload(entry.key)} className="flex-none rounded px-2 text-xs text-slate-700 hover:bg-slate-100">
                  {t.upload.cancel}
                </button>
              )}
              {failed && entry.retryable && policy && (
                <button type="button" onClick={() => void retryUpload(policy, entry.key)} className="flex-none rounded bg-slate-700 px-2 text-xs text-white">
                  {t.upload.retry}
                </button>
              )}
              {failed && (
                <button type="button" onClick={() => dismissUpload(entry.key)} aria-label={t.upload.dismiss} className="flex-none rounded px-1.5 text-slate-600 hover:bg-slate-100">
                  ✕
                </button>
              )}
            </div>
            {!failed && entry.phase !== 'cancelled' && <UploadProgress fraction={entry.progress} label={entry.fileName} />}
            {phaseText(entry) && (
              <p role={failed ? 'alert' : undefined} className={`text-xs ${failed ? 'text-red-700' : 'text-slate-500'}`} data-testid="upload-message">
                {phaseText(entry)}
              </p>
            )}
          </li>
        )
      })}
    </ul>
  )
}
