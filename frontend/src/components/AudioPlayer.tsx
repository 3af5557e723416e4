// Voice notes and audio files: play/pause, the 64-bar waveform as the seek bar (click, drag, arrow
// keys), elapsed/total, 1× / 1.5× / 2×, download. Plays the `playback` rendition when there is one
// (Ogg/Opus does not play in Safari). One player plays at a time, as in WhatsApp.
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react'
import type { Attachment } from '../api/types'
import { formatDuration } from '../lib/format'
import { t } from '../strings'
import { downloadUrl } from '../lib/download'

export const SPEEDS = [1, 1.5, 2] as const
const BARS = 64
const STEP_SECONDS = 5
const PLAYING_EVENT = 'chatmedia:audio-playing'

export function speedLabel(speed: number): string {
  return `${String(speed).replace('.', ',')}×`
}

export function nextSpeed(speed: number): number {
  return SPEEDS[(SPEEDS.indexOf(speed as (typeof SPEEDS)[number]) + 1) % SPEEDS.length]
}

/** 64 heights (0..100) from the metadata, or a flat line when there is none. */
export function barsOf(waveform: number[] | undefined): number[] {
  if (!waveform?.length) return Array(BARS).fill(12)
  return Array.from({ length: BARS }, (_, i) => waveform[Math.floor((i * waveform.length) / BARS)] ?? 0)
}

export function AudioPlayer({ attachment }: { attachment: Attachment }) {
  const audio = useRef<HTMLAudioElement>(null)
  const bar = useRef<HTMLDivElement>(null)
  const [playing, setPlaying] = useState(false)
  const [current, setCurrent] = useState(0)
  const [duration, setDuration] = useState(attachment.metadata.duration ?? 0)
  const [speed, setSpeed] = useState(1)
  const dragging = useRef(false)
  const src = attachment.urls.playback ?? attachment.urls.original
  const voice = attachment.category === 'voice' || !!attachment.metadata.ptt
  const bars = barsOf(attachment.metadata.waveform)
  const progress = duration > 0 ? Math.min(1, current / duration) : 0

  useEffect(() => {
    const other = (event: Event) => {
      if ((event as CustomEvent).detail !== attachment.id) audio.current?.pause()
    }
    window.addEventListener(PLAYING_EVENT, other)
    return () => window.removeEventListener(PLAYING_EVENT, other)
  }, [attachment.id])

  useEffect(() => {
    if (audio.current) audio.current.playbackRate = speed
  }, [speed])

  const toggle = () => {
    const el = audio.current
    if (!el) return
    if (el.paused) {
      window.dispatchEvent(new CustomEvent(PLAYING_EVENT, { detail: attachment.id }))
      void el.play().catch(() => setPlaying(false))
    } else el.pause()
  }

  const seekTo = (seconds: number) => {
    const el = audio.current
    if (!el || !duration) return
    const target = Math.max(0, Math.min(duration, seconds))
    el.currentTime = target
    setCurrent(target)
  }

  const seekPointer = (event: PointerEvent<HTMLDivElement>) => {
    const box = bar.current?.getBoundingClientRect()
    if (!box || box.width === 0) return
    seekTo(((event.clientX - box.left) / box.width) * duration)
  }

  const onKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const moves: Record<string, number> = { ArrowLeft: -STEP_SECONDS, ArrowRight: STEP_SECONDS }
    if (event.key in moves) seekTo(current + moves[event.key])
    else if (event.key === 'Home') seekTo(0)
    else if (event.key === 'End') seekTo(duration)
    else return
    event.preventDefault()
  }

  return (
    <div className="flex w-[300px] max-w-full items-center gap-2 py-1" data-testid="audio-player" data-playing={playing}>
      <audio
        ref={audio}
        src={src}
        // Known length and waveform: nothing is fetched until the agent presses play (a recording
        // fetched is a recording heard, for the audit log); otherwise its metadata gives the length.
        preload={attachment.metadata.duration ? 'none' : 'metadata'}
        data-testid="audio-element"
        onPlay={() => setPlaying(true)}
        onPause={() => setPlaying(false)}
        onEnded={() => {
          setPlaying(false)
          setCurrent(0)
        }}
        onTimeUpdate={(e) => !dragging.current && setCurrent(e.currentTarget.currentTime)}
        onLoadedMetadata={(e) => {
          const d = e.currentTarget.duration
          if (Number.isFinite(d) && d > 0) setDuration(d)
          e.currentTarget.playbackRate = speed
        }}
      />
      <button
        type="button"
        onClick={toggle}
        aria-label={playing ? t.audio.pause : t.audio.play}
        data-testid="audio-toggle"
        className={`flex h-10 w-10 flex-none items-center justify-center rounded-full text-white ${voice ? 'bg-wa-green' : 'bg-orange-500'}`}
      >
        {playing ? (
          <svg viewBox="0 0 16 16" className="h-4 w-4" aria-hidden>
            <rect x="3" y="2" width="3.5" height="12" rx="1" fill="currentColor" />
            <rect x="9.5" y="2" width="3.5" height="12" rx="1" fill="currentColor" />
          </svg>
        ) : (
          <svg viewBox="0 0 16 16" className="ml-0.5 h-4 w-4" aria-hidden>
            <path d="M4 2.5v11l9.5-5.5z" fill="currentColor" />
          </svg>
        )}
      </button>
      <div className="min-w-0 flex-1">
        <div
          ref={bar}
          role="slider"
          tabIndex={0}
          aria-label={t.audio.seek}
          aria-valuemin={0}
          aria-valuemax={Math.round(duration)}
          aria-valuenow={Math.round(current)}
          aria-valuetext={`${formatDuration(current)} / ${formatDuration(duration)}`}
          data-testid="waveform"
          onKeyDown={onKey}
          onPointerDown={(e) => {
            dragging.current = true
            e.currentTarget.setPointerCapture(e.pointerId)
            seekPointer(e)
          }}
          onPointerMove={(e) => dragging.current && seekPointer(e)}
          onPointerUp={(e) => {
            dragging.current = false
            e.currentTarget.releasePointerCapture(e.pointerId)
          }}
          className="flex h-8 cursor-pointer touch-none items-center gap-[1.5px]"
        >
          {bars.map((height, i) => (
            <span
              key={i}
              data-played={i / BARS < progress}
              className={`flex-1 rounded-full ${i / BARS < progress ? (voice ? 'bg-wa-green' : 'bg-orange-500') : 'bg-slate-300'}`}
              style={{ height: `${Math.max(10, height)}%` }}
            />
          ))}
        </div>
        <div className="flex items-center justify-between text-[11px] text-slate-500">
          <span data-testid="audio-time">
            {formatDuration(current)} / {formatDuration(duration)}
          </span>
          <span className="flex items-center gap-2">
            <button
              type="button"
              onClick={() => setSpeed(nextSpeed(speed))}
              aria-label={t.audio.speed(speedLabel(speed))}
              data-testid="audio-speed"
              className="rounded-full bg-slate-500/80 px-1.5 text-[11px] font-semibold text-white"
            >
              {speedLabel(speed)}
            </button>
            <a href={downloadUrl(attachment.urls.original)} download={attachment.file_name || true} className="underline" aria-label={t.attachment.download}>
              ⤓
            </a>
          </span>
        </div>
      </div>
    </div>
  )
}
