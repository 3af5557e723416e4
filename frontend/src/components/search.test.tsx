import { fireEvent, render, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import type { SearchHit } from '../api/types'
import { SearchResults } from './SearchResults'

const hit = (snippet: SearchHit['snippet']): SearchHit => ({
  message: 'm1',
  conversation: 'c1',
  conversation_name: 'Maria',
  timestamp: '2026-11-26T10:00:00Z',
  direction: 'in',
  author_name: '',
  snippet,
})

describe('search results', () => {
  it('marks the match and draws what the customer wrote as text, never as HTML', () => {
    const onOpen = vi.fn()
    const { container } = render(
      <SearchResults
        hits={[hit([{ text: 'veja <img src=x onerror=alert(1)> a ', match: false }, { text: 'promoção', match: true }])]}
        error=""
        showChat
        onOpen={onOpen}
      />,
    )
    expect(screen.getByTestId('search-match').textContent).toBe('promoção')
    expect(container.querySelector('img')).toBeNull()
    expect(screen.getByTestId('search-hit').textContent).toContain('<img src=x onerror=alert(1)>')
    fireEvent.click(screen.getByTestId('search-hit'))
    expect(onOpen).toHaveBeenCalledWith(expect.objectContaining({ message: 'm1', conversation: 'c1' }))
  })

  it('says when nothing was found, and while it is looking', () => {
    const { rerender } = render(<SearchResults hits={null} error="" showChat onOpen={() => {}} />)
    expect(screen.getByText('Buscando…')).toBeTruthy()
    rerender(<SearchResults hits={[]} error="" showChat onOpen={() => {}} />)
    expect(screen.getByText('Nada encontrado.')).toBeTruthy()
  })
})

describe('the list’s search box', () => {
  it('is there once, while the list loads too', async () => {
    const { ChatProvider } = await import('../state/ChatContext')
    const { ConversationList } = await import('./ConversationList')
    const { policy } = await import('../test-fixtures')
    render(
      <ChatProvider policy={policy}>
        <ConversationList selected={null} onSelect={() => {}} error={false} onRetry={() => {}} onOpenMessage={() => {}} />
      </ChatProvider>,
    )
    expect(screen.getAllByRole('searchbox')).toHaveLength(1)
  })
})
