// The first page of a PDF the agent picked, drawn in the browser before anything uploads (the
// server makes its own preview after). pdf.js (Mozilla's, the viewer Firefox uses on every PDF it
// opens) is loaded only when a PDF is in review, and runs in its own worker from our origin; no
// script inside the PDF runs (pdf.js does not execute document JavaScript unless asked).
const MAX_SIDE_PX = 480

export interface PdfPreview {
  pages: number
}

/** Draw page 1 of `file` into `canvas` (fitted into MAX_SIDE_PX); the page count. Throws when the
 * file is not a PDF pdf.js can read (then the caller shows a file card). */
export async function drawFirstPage(file: File, canvas: HTMLCanvasElement): Promise<PdfPreview> {
  const [pdfjs, worker] = await Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')])
  pdfjs.GlobalWorkerOptions.workerSrc = worker.default
  const task = pdfjs.getDocument({ data: new Uint8Array(await file.arrayBuffer()), enableXfa: false })
  try {
    const document = await task.promise
    const page = await document.getPage(1)
    const unscaled = page.getViewport({ scale: 1 })
    const scale = Math.min(MAX_SIDE_PX / unscaled.width, MAX_SIDE_PX / unscaled.height, 2)
    const viewport = page.getViewport({ scale })
    canvas.width = Math.floor(viewport.width)
    canvas.height = Math.floor(viewport.height)
    await page.render({ canvas, viewport }).promise
    return { pages: document.numPages }
  } finally {
    void task.destroy()
  }
}
