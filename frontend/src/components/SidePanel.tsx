// The frame of a panel that slides over the chat's right side (the gallery, a customer's data):
// a header with ✕, the title and the panel's own actions, then its content.
import type { ReactNode } from 'react'

export function SidePanel({
  title,
  closeLabel,
  onClose,
  testId,
  actions,
  children,
}: {
  title: string
  closeLabel: string
  onClose: () => void
  testId: string
  actions?: ReactNode
  children: ReactNode
}) {
  return (
    <aside className="flex h-full w-full flex-col bg-white md:w-[380px] md:flex-none md:border-l md:border-slate-200" aria-label={title} data-testid={testId}>
      <header className="flex h-16 flex-none items-center gap-2 bg-wa-panel px-3">
        <button type="button" onClick={onClose} aria-label={closeLabel} className="rounded p-2 text-slate-600 hover:bg-slate-200">
          ✕
        </button>
        <h3 className="flex-1 font-medium text-slate-800">{title}</h3>
        {actions}
      </header>
      {children}
    </aside>
  )
}
