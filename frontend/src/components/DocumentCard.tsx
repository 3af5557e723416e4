// A document: first-page preview when there is one, a type icon, name, pages · size · type, and
// "Abrir" (a new tab; PDFs show inline, other types download) and "Baixar". While it is processing
// (`pending`) the same card is drawn with a spinner, the preview box reserved for PDFs (the type the
// server previews), so nothing moves when it becomes ready.
import type { Attachment } from '../api/types'
import { formatSize } from '../lib/format'
import { t } from '../strings'
import { downloadUrl } from '../lib/download'

const KINDS: [RegExp, string, string][] = [
  [/pdf/, 'PDF', 'bg-red-600'],
  [/word|opendocument\.text|rtf/, 'DOC', 'bg-blue-600'],
  [/sheet|excel|csv|opendocument\.spreadsheet/, 'XLS', 'bg-green-600'],
  [/presentation|powerpoint/, 'PPT', 'bg-orange-600'],
  [/zip|rar|7z|tar|gzip/, 'ZIP', 'bg-amber-700'],
  [/^image\//, 'IMG', 'bg-purple-600'],
  [/^audio\//, 'AUD', 'bg-pink-600'],
  [/^video\//, 'VID', 'bg-indigo-600'],
  [/^text\//, 'TXT', 'bg-slate-600'],
]

export function documentKind(mimeType: string, fileName: string): { label: string; colour: string } {
  for (const [pattern, label, colour] of KINDS) if (pattern.test(mimeType)) return { label, colour }
  const extension = fileName.includes('.') ? fileName.split('.').pop()!.slice(0, 4).toUpperCase() : 'ARQ'
  return { label: extension, colour: 'bg-slate-500' }
}

const PREVIEWED = /^application\/(pdf|msword|rtf|vnd\.ms-excel|vnd\.ms-powerpoint|vnd\.openxmlformats-officedocument\.|vnd\.oasis\.opendocument\.(text|spreadsheet|presentation)$)|^text\/csv$/
const PREVIEWED_NAME = /\.(pdf|docx?|odt|rtf|xlsx?|ods|csv|pptx?|odp)$/i

/** Whether the server makes a first-page preview of this document: PDFs, Word, Excel, PowerPoint,
 * OpenDocument and CSV files (the last ones when it has LibreOffice). */
export function expectsPreview(mimeType: string, fileName: string): boolean {
  return PREVIEWED.test(mimeType) || (!mimeType && PREVIEWED_NAME.test(fileName))
}

/** "20 páginas", "5 planilhas", "3 slides": what the document is made of, when the server said. */
export function documentCount(metadata: Attachment['metadata']): string | null {
  if (metadata.sheets) return t.attachment.sheets(metadata.sheets)
  if (metadata.slides) return t.attachment.slides(metadata.slides)
  return metadata.pages ? t.attachment.pages(metadata.pages) : null
}

const isPdf = (mimeType: string, fileName: string) => mimeType === 'application/pdf' || (!mimeType && /\.pdf$/i.test(fileName))

const Spinner = () => <span aria-hidden className="h-7 w-7 animate-spin rounded-full border-4 border-white border-t-wa-green" />

export function DocumentCard({ attachment, pending = false }: { attachment: Attachment; pending?: boolean }) {
  const { label, colour } = documentKind(attachment.mime_type, attachment.file_name)
  const preview = attachment.urls.preview ?? attachment.urls.thumb
  const details = [
    documentCount(attachment.metadata),
    attachment.size ? formatSize(attachment.size) : null,
    pending ? t.attachment.processing : label,
  ].filter(Boolean)
  const action = 'flex-1 py-2 text-center'
  // A PDF whose preview could not be made is not opened in the browser's viewer either: download only.
  const openable = !(isPdf(attachment.mime_type, attachment.file_name) && !preview)
  return (
    <div className="w-[300px] max-w-full overflow-hidden rounded-md bg-black/5" data-testid="document">
      {preview && !pending && (
        <a href={attachment.urls.original} target="_blank" rel="noopener" className="block h-36 overflow-hidden bg-white">
          <img src={preview} alt="" data-testid="document-preview" className="h-full w-full object-cover object-top" />
        </a>
      )}
      {pending && expectsPreview(attachment.mime_type, attachment.file_name) && (
        <div className="flex h-36 items-center justify-center bg-slate-200/70" data-testid="document-preview-pending">
          <Spinner />
        </div>
      )}
      <div className="flex items-center gap-3 p-2.5">
        <span className={`flex h-10 w-8 flex-none items-end justify-center rounded-sm pb-1 text-[9px] font-bold text-white ${colour}`} aria-hidden>
          {label}
        </span>
        <span className="min-w-0 flex-1">
          <span className="block truncate text-sm text-slate-900" data-testid="document-name" title={attachment.file_name}>
            {attachment.file_name || t.preview.document}
          </span>
          <span className="block truncate text-xs text-slate-500" data-testid="document-details">
            {details.join(' · ')}
          </span>
        </span>
      </div>
      {pending ? (
        <div className="flex border-t border-black/10 text-sm text-slate-400" aria-hidden>
          <span className={action}>{t.attachment.open}</span>
          <span className={`${action} border-l border-black/10`}>{t.attachment.download}</span>
        </div>
      ) : (
        <div className="flex border-t border-black/10 text-sm">
          {openable && (
            <a href={attachment.urls.original} target="_blank" rel="noopener" className="flex-1 border-r border-black/10 py-2 text-center text-teal-700 hover:bg-black/5">
              {t.attachment.open}
            </a>
          )}
          <a href={downloadUrl(attachment.urls.original)} download={attachment.file_name || true} className="flex-1 py-2 text-center text-teal-700 hover:bg-black/5">
            {t.attachment.download}
          </a>
        </div>
      )}
    </div>
  )
}
