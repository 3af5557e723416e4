/**
 * The ↓ button's count: incoming messages that arrived below the view while the agent was reading
 * further up. Pure, so the rules are tested without a browser:
 *
 * - every message not seen before and not older than the ones already shown counts once, whatever
 *   order they arrive or sort in (two in one render, one sorted before another of the same second);
 * - older pages loaded above are not new;
 * - the agent's own messages do not count.
 */
export interface Listed {
  id: string
  direction: 'in' | 'out'
}

/** How many of `messages` (oldest first) arrived below since `known`, which it then learns. */
export function arrivedBelow(known: Set<string>, messages: Listed[]): number {
  const firstKnown = messages.findIndex((m) => known.has(m.id))
  let arrived = 0
  messages.forEach((m, i) => {
    if (known.has(m.id)) return
    known.add(m.id)
    if (firstKnown >= 0 && i > firstKnown && m.direction === 'in') arrived += 1
  })
  return arrived
}
