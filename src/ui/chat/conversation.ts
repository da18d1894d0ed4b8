/** The playground's conversations, kept in this browser only (localStorage); they hold no keys. */

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
  /** Data URLs of images attached to a user message. */
  images?: string[];
  reasoning?: string;
  toolCalls?: ToolCall[];
  /** Assistant replies: tokens, time to first token and total time, or why the reply ended early. */
  usage?: { prompt: number; completion: number; total: number };
  firstTokenMs?: number;
  totalMs?: number;
  model?: string;
  stopped?: boolean;
  error?: string;
}

export interface Conversation {
  id: string;
  title: string;
  updatedAt: number;
  messages: ChatMessage[];
}

export interface ChatSettings {
  model: string;
  system: string;
  temperature: number;
  maxTokens: number | null;
}

const CONVERSATIONS = 'gw.chat.conversations';
const SETTINGS = 'gw.chat.settings';
const MAX_CONVERSATIONS = 50;

export const newConversation = (): Conversation => ({ id: crypto.randomUUID(), title: '', updatedAt: Date.now(), messages: [] });

export function loadConversations(): Conversation[] {
  try {
    return JSON.parse(localStorage.getItem(CONVERSATIONS) ?? '[]') as Conversation[];
  } catch {
    return [];
  }
}

/** Saves the latest conversations; when images overflow the browser's quota, they are saved without them. */
export function saveConversations(conversations: Conversation[]): void {
  const kept = [...conversations].sort((a, b) => b.updatedAt - a.updatedAt).slice(0, MAX_CONVERSATIONS);
  try {
    localStorage.setItem(CONVERSATIONS, JSON.stringify(kept));
  } catch {
    const withoutImages = kept.map((conversation) => ({ ...conversation, messages: conversation.messages.map(({ images: _images, ...message }) => message) }));
    try {
      localStorage.setItem(CONVERSATIONS, JSON.stringify(withoutImages));
    } catch {
      // Storage is full or off: the conversation lives in this tab only.
    }
  }
}

export function loadSettings(): ChatSettings {
  const defaults: ChatSettings = { model: '', system: '', temperature: 0.7, maxTokens: null };
  try {
    return { ...defaults, ...(JSON.parse(localStorage.getItem(SETTINGS) ?? '{}') as Partial<ChatSettings>) };
  } catch {
    return defaults;
  }
}

export function saveSettings(settings: ChatSettings): void {
  try {
    localStorage.setItem(SETTINGS, JSON.stringify(settings));
  } catch {
    // not remembered
  }
}

/**
 * The Chat Completions messages for a conversation: the system prompt, then text and images as content parts.
 * Tool calls are shown but not sent back: the playground runs no tools, so there are no results to pair them with.
 */
export function wireMessages(system: string, messages: ChatMessage[]) {
  const wire: Record<string, unknown>[] = system.trim() === '' ? [] : [{ role: 'system', content: system }];
  for (const message of messages) {
    if (message.role === 'user' && message.images && message.images.length > 0) {
      wire.push({
        role: 'user',
        content: [...(message.content === '' ? [] : [{ type: 'text', text: message.content }]), ...message.images.map((url) => ({ type: 'image_url', image_url: { url } }))],
      });
    } else if (message.content !== '' || message.role === 'user') {
      wire.push({ role: message.role, content: message.content });
    }
  }
  return wire;
}
