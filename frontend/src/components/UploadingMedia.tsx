// An outgoing attachment whose bytes are still going up: name, size, progress and cancel (when this
// tab is the one sending it).
import type { Attachment } from '../api/types'
import { formatSize } from '../lib/format'
import { cancelUpload, uploadFor, useUploads } from '../state/uploads'
import { t } from '../strings'
import { UploadProgress } from './UploadProgress'

export function UploadingMedia({ attachment }: { attachment: Attachment }) {
  useUploads() // re-render on progress
  const upload = uploadFor(attachment.id)
  return (
    <div className="w-[300px] max-w-full space-y-1.5 rounded-md bg-black/5 p-2.5">
      <div className="flex items-center gap-2">
        <span className="min-w-0 flex-1 truncate text-sm text-slate-800">{attachment.file_name}</span>
        <span className="flex-none text-xs text-slate-500">{formatSize(attachment.size)}</span>
        {upload && (upload.phase === 'uploading' || upload.phase === 'starting') && (
          <button type="button" onClick={() => void cancelUpload(upload.key)} aria-label={t.upload.cancel} className="flex-none rounded-full px-1.5 text-slate-600 hover:bg-black/10">
            ✕
          </button>
        )}
      </div>
      {upload ? (
        <UploadProgress fraction={upload.progress} label={attachment.file_name} />
      ) : (
        // Going up from another tab or browser, or left when a tab was closed (the server's
        // housekeeping then marks it failed): no progress to show here.
        <span className="block text-xs text-slate-500" data-testid="upload-elsewhere">
          {t.upload.elsewhere}
        </span>
      )}
    </div>
  )
}
