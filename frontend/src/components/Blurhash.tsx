import { decode } from 'blurhash'
import { useEffect, useRef } from 'react'

const SIDE = 32

/** A blurred stand-in drawn from the 20-odd characters of a blurhash, before the picture loads. */
export function Blurhash({ hash, className }: { hash: string; className?: string }) {
  const canvas = useRef<HTMLCanvasElement>(null)
  useEffect(() => {
    const context = canvas.current?.getContext('2d')
    if (!context) return
    try {
      const pixels = decode(hash, SIDE, SIDE)
      const image = context.createImageData(SIDE, SIDE)
      image.data.set(pixels)
      context.putImageData(image, 0, 0)
    } catch {
      /* an invalid hash: the grey box stays */
    }
  }, [hash])
  return <canvas ref={canvas} width={SIDE} height={SIDE} className={className} data-testid="blurhash" aria-hidden />
}
