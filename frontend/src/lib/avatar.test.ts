import { describe, expect, it } from 'vitest'
import { colourOf, conversationName, initialsOf } from './avatar'

describe('initials', () => {
  it('takes the first letters of the first and last word', () => {
    expect(initialsOf('João Cliente')).toBe('JC')
    expect(initialsOf('maria')).toBe('M')
    expect(initialsOf('Ana Maria de Souza')).toBe('AS')
    expect(initialsOf('  ')).toBe('?')
    expect(initialsOf('😀 Élida')).toBe('É')
  })
  it('gives a contact always the same colour', () => {
    expect(colourOf('5511999990000@s.whatsapp.net')).toBe(colourOf('5511999990000@s.whatsapp.net'))
  })
})

describe('conversation names', () => {
  it('uses the name, else the number, else a group label', () => {
    expect(conversationName({ display_name: 'Maria', remote_jid: '5511@s.whatsapp.net', is_group: false }, 'Grupo')).toBe('Maria')
    expect(conversationName({ display_name: '', remote_jid: '5511999990000@s.whatsapp.net', is_group: false }, 'Grupo')).toBe('+5511999990000')
    expect(conversationName({ display_name: '', remote_jid: '120363123456789012@g.us', is_group: true }, 'Grupo')).toBe('Grupo …9012')
  })
})
