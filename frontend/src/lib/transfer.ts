// Moving the bytes of one upload to where POST /api/uploads/ said: one presigned PUT, or the parts
// of a multipart upload (each PUT returns its ETag, which `complete` needs). XHR, not fetch: only
// XHR reports upload progress. Headers the browser sets itself (Content-Length) are skipped.
import type { UploadInstructions } from '../api/types'

export class TransferAborted extends Error {}
export class TransferFailed extends Error {}

const FORBIDDEN = new Set(['content-length', 'host', 'connection'])
const PART_ATTEMPTS = 3

function put(
  url: string,
  body: Blob,
  headers: Record<string, string>,
  signal: AbortSignal,
  onProgress: (loaded: number) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('PUT', url)
    for (const [name, value] of Object.entries(headers)) {
      if (!FORBIDDEN.has(name.toLowerCase())) xhr.setRequestHeader(name, value)
    }
    xhr.upload.onprogress = (e) => onProgress(e.loaded)
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(body.size)
        resolve(xhr.getResponseHeader('ETag') ?? '')
      } else reject(new TransferFailed(`HTTP ${xhr.status}`))
    }
    xhr.onerror = () => reject(new TransferFailed('network'))
    xhr.onabort = () => reject(new TransferAborted('aborted'))
    if (signal.aborted) return reject(new TransferAborted('aborted'))
    signal.addEventListener('abort', () => xhr.abort(), { once: true })
    xhr.send(body)
  })
}

/** Upload `file`; resolves with the parts to hand to `complete` (empty for a single PUT). */
export async function transfer(
  file: Blob,
  instructions: UploadInstructions,
  signal: AbortSignal,
  onProgress: (fraction: number) => void,
  moreParts?: (numbers: number[]) => Promise<{ number: number; url: string }[]>,
): Promise<{ number: number; etag: string }[]> {
  const total = Math.max(1, file.size)
  if ('method' in instructions) {
    await put(instructions.url, file, instructions.headers, signal, (loaded) => onProgress(loaded / total))
    return []
  }
  const done: { number: number; etag: string }[] = []
  let sent = 0
  for (const part of instructions.parts) {
    const start = (part.number - 1) * instructions.part_size
    const chunk = file.slice(start, Math.min(start + instructions.part_size, file.size))
    let url = part.url
    for (let attempt = 1; ; attempt++) {
      try {
        const etag = await put(url, chunk, {}, signal, (loaded) => onProgress((sent + loaded) / total))
        done.push({ number: part.number, etag })
        break
      } catch (error) {
        if (error instanceof TransferAborted || attempt >= PART_ATTEMPTS) throw error
        // A part URL may have expired while earlier parts went up: ask for a fresh one.
        if (moreParts) url = (await moreParts([part.number]))[0]?.url ?? url
      }
    }
    sent += chunk.size
  }
  return done
}
