// Initials and a stable colour for a contact without a picture (WhatsApp Web style).
const COLOURS = ['#0ea5e9', '#22c55e', '#f97316', '#a855f7', '#ef4444', '#14b8a6', '#eab308', '#6366f1', '#ec4899', '#64748b']

export function initialsOf(name: string): string {
  const words = name
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean)
  if (words.length === 0) return '?'
  const first = [...words[0]][0] ?? ''
  const last = words.length > 1 ? ([...words[words.length - 1]][0] ?? '') : ''
  return (first + last).toUpperCase()
}

export function colourOf(key: string): string {
  let hash = 0
  for (const ch of key) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0
  return COLOURS[hash % COLOURS.length]
}

/** What a conversation is called: its name, else the phone number, else "Grupo …1234". */
export function conversationName(c: { display_name: string; remote_jid: string; is_group: boolean }, groupLabel: string): string {
  if (c.display_name) return c.display_name
  const id = c.remote_jid.split('@')[0]
  return c.is_group ? `${groupLabel} …${id.slice(-4)}` : `+${id}`
}
