import { useState, type FormEvent } from 'react'
import { api, ApiFailure } from '../api/client'
import { t } from '../strings'

export function Login({ notice, onLoggedIn }: { notice?: string; onLoggedIn: () => void }) {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState(notice ?? '')

  async function submit(event: FormEvent) {
    event.preventDefault()
    setBusy(true)
    setError('')
    try {
      await api.login(username, password)
      onLoggedIn()
    } catch (failure) {
      setError(
        failure instanceof ApiFailure && failure.status === 429
          ? t.login.throttled(Math.ceil((failure.retryAfterSeconds ?? 60) / 60))
          : t.login.failed,
      )
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="flex h-full items-center justify-center bg-wa-panel p-4">
      <form onSubmit={submit} className="w-full max-w-sm space-y-4 rounded-lg bg-white p-6 shadow" aria-label={t.login.title}>
        <h1 className="text-xl font-semibold text-slate-800">
          {t.appName} — {t.login.title}
        </h1>
        <label className="block text-sm text-slate-700">
          {t.login.username}
          <input
            name="username"
            autoComplete="username"
            autoFocus
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            className="mt-1 block w-full rounded border border-slate-300 px-3 py-2"
          />
        </label>
        <label className="block text-sm text-slate-700">
          {t.login.password}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            className="mt-1 block w-full rounded border border-slate-300 px-3 py-2"
          />
        </label>
        {error && (
          <p role="alert" className="text-sm text-red-700">
            {error}
          </p>
        )}
        <button
          type="submit"
          disabled={busy}
          className="w-full rounded bg-wa-green px-4 py-2 font-medium text-white hover:brightness-95 disabled:opacity-60"
        >
          {busy ? t.login.busy : t.login.submit}
        </button>
      </form>
    </div>
  )
}
