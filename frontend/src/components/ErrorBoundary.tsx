// The last net: a rendering error shows a message with "Recarregar" instead of a blank page (and
// is written to the console for whoever looks), never the agent's work silently gone.
import { Component, type ErrorInfo, type ReactNode } from 'react'
import { t } from '../strings'

export class ErrorBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  state = { failed: false }

  static getDerivedStateFromError() {
    return { failed: true }
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('web chat crashed', error, info.componentStack)
  }

  render() {
    if (!this.state.failed) return this.props.children
    return (
      <div role="alert" className="flex h-full flex-col items-center justify-center gap-3 bg-wa-panel p-8 text-center text-slate-700" data-testid="crashed">
        <p>{t.crashed}</p>
        <button type="button" onClick={() => window.location.reload()} className="rounded-full bg-wa-green px-4 py-2 text-sm font-medium text-white">
          {t.reload}
        </button>
      </div>
    )
  }
}
