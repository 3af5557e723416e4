import { describe, expect, it } from 'vitest'
import { colourOf, initialsOf } from './avatar'

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
