import { describe, expect, it } from 'vitest'
import { canReplace, mergeStatus, visibleState } from './status'

describe('message status order', () => {
  it('only moves forward', () => {
    expect(mergeStatus('read', 'sent')).toBe('read')
    expect(mergeStatus('sent', 'delivered')).toBe('delivered')
    expect(mergeStatus('delivered', 'read')).toBe('read')
    expect(mergeStatus('read', 'played')).toBe('played')
  })
  it('lets failed replace only what WhatsApp had not confirmed', () => {
    expect(canReplace('processing', 'failed')).toBe(true)
    expect(canReplace('sent', 'failed')).toBe(true)
    expect(canReplace('delivered', 'failed')).toBe(false)
  })
  it('lets a delivery receipt win over failed', () => {
    expect(mergeStatus('failed', 'delivered')).toBe('delivered')
    expect(mergeStatus('failed', 'sent')).toBe('failed')
  })
  it('goes back from failed only through a retry (processing), then forward again', () => {
    expect(mergeStatus('failed', 'processing')).toBe('processing')
    expect(mergeStatus('processing', 'sent')).toBe('sent')
    expect(mergeStatus('sent', 'processing')).toBe('sent')
  })
})

describe('visible state', () => {
  it('names every state a person sees', () => {
    expect(visibleState({ status: 'pending' }, { status: 'uploading' })).toBe('uploading')
    expect(visibleState({ status: 'processing' }, { status: 'processing' })).toBe('processing')
    expect(visibleState({ status: 'sent' })).toBe('sent')
    expect(visibleState({ status: 'delivered' })).toBe('delivered')
    expect(visibleState({ status: 'read' })).toBe('read')
    expect(visibleState({ status: 'played' })).toBe('played')
    expect(visibleState({ status: 'failed' })).toBe('failed')
    expect(visibleState({ status: 'processing' }, { status: 'failed' })).toBe('failed')
  })
})
