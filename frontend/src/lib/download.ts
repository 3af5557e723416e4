// A media link as a download: the server then answers `Content-Disposition: attachment` and its
// audit log records a download, not a view (chatmedia.privacy.audit_log). Links are same-origin paths.
export function downloadUrl(url: string): string
export function downloadUrl(url: string | undefined): string | undefined
export function downloadUrl(url: string | undefined): string | undefined {
  if (!url) return url
  return `${url}${url.includes('?') ? '&' : '?'}download=1`
}
