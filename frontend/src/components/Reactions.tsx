// Reactions under a bubble, as WhatsApp shows them: each emoji once with how many chose it; who
// reacted is in the tooltip.
import type { Reaction } from '../api/types'
import { t } from '../strings'

export function Reactions({ reactions, outgoing }: { reactions: Reaction[]; outgoing: boolean }) {
  if (!reactions.length) return null
  const groups = new Map<string, string[]>()
  for (const r of reactions) {
    const who = r.from_me ? t.message.you : r.author_name || `+${r.author_jid.split('@')[0]}`
    groups.set(r.emoji, [...(groups.get(r.emoji) ?? []), who])
  }
  return (
    <div
      className={`-mt-1 flex gap-1 ${outgoing ? 'self-end pr-2' : 'self-start pl-2'}`}
      data-testid="reactions"
      aria-label={t.message.reactions(reactions.length)}
    >
      {[...groups].map(([emoji, people]) => (
        <span
          key={emoji}
          title={people.join(', ')}
          data-testid="reaction"
          className="flex items-center gap-0.5 rounded-full border border-slate-200 bg-white px-1.5 text-sm leading-6 shadow-sm"
        >
          <span>{emoji}</span>
          {people.length > 1 && <span className="text-xs text-slate-600">{people.length}</span>}
        </span>
      ))}
    </div>
  )
}
