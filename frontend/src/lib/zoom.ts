// The lightbox's zoom arithmetic, kept apart from the component so it is tested on its own.

/** The levels the buttons, the keys and a click step through. */
export const ZOOM_STEPS = [1, 1.5, 2, 3, 4]
const MIN = ZOOM_STEPS[0]
const MAX = ZOOM_STEPS[ZOOM_STEPS.length - 1]

const clamp = (level: number) => Math.min(MAX, Math.max(MIN, level))

/** The next step above `level` (a pinch can leave it between steps). */
export function nextZoom(level: number): number {
  return ZOOM_STEPS.find((step) => step > level + 0.01) ?? MAX
}

/** The next step below `level`. */
export function previousZoom(level: number): number {
  return [...ZOOM_STEPS].reverse().find((step) => step < level - 0.01) ?? MIN
}

/** Zoom after a pinch from `startDistance` to `distance` between two fingers (or a wheel step). */
export function pinchZoom(startZoom: number, startDistance: number, distance: number): number {
  if (startDistance <= 0) return clamp(startZoom)
  return clamp(startZoom * (distance / startDistance))
}

/** How far (px, each way) a picture `size` px long, zoomed to `level`, can move before an edge shows. */
export function panLimit(size: number, level: number): number {
  return Math.max(0, (size * (level - 1)) / 2)
}
