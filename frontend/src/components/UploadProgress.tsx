import { t } from '../strings'

/** A progress bar with its percentage (0..1 in, whole percent out). */
export function UploadProgress({ fraction, label }: { fraction: number; label: string }) {
  const percent = Math.round(Math.max(0, Math.min(1, fraction)) * 100)
  return (
    <div className="flex items-center gap-2">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        className="h-1.5 flex-1 overflow-hidden rounded-full bg-slate-300"
      >
        <div className="h-full rounded-full bg-wa-green transition-[width] duration-200" style={{ width: `${percent}%` }} />
      </div>
      <span className="w-10 flex-none text-right text-xs tabular-nums text-slate-600" data-testid="upload-percent">
        {t.upload.percent(percent)}
      </span>
    </div>
  )
}
