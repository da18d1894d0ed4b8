import { useEffect, useRef, useState } from 'preact/hooks';
import { api, consoleSession } from '../shared/api.js';
import { formatMs, formatNumber } from '../shared/format.js';
import { t, useLanguage } from '../shared/i18n.js';
import { Markdown } from '../shared/markdown.js';
import { SignInCard } from '../shared/sign-in.js';
import { errorText, Notice, PreferenceControls } from '../shared/ui.js';
import {
  type ChatMessage,
  type ChatSettings,
  type Conversation,
  loadConversations,
  loadSettings,
  newConversation,
  saveConversations,
  saveSettings,
  wireMessages,
} from './conversation.js';
import { streamReply } from './stream-reply.js';

/** How the playground calls the gateway: a client key (in memory, or this tab's sessionStorage if asked) or the console session. */
type Auth = { kind: 'key'; key: string } | { kind: 'session' };

const KEY_STORAGE = 'gw.chat.key';
const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

const bearerOf = (auth: Auth) => (auth.kind === 'key' ? { bearer: auth.key } : {});

export function PlaygroundApp() {
  useLanguage();
  const [auth, setAuth] = useState<Auth | null | 'checking'>('checking');
  const [remember, setRemember] = useState(false);

  useEffect(() => {
    const stored = sessionStorage.getItem(KEY_STORAGE);
    if (stored) {
      setAuth({ kind: 'key', key: stored });
      return;
    }
    consoleSession
      .current()
      .then((session) => setAuth(session ? { kind: 'session' } : null))
      .catch(() => setAuth(null));
  }, []);

  if (auth === 'checking') return <p class="muted" style={{ padding: '2rem' }}>{t('Loading…')}</p>;
  if (auth === null) {
    return (
      <SignInCard
        title={t('Playground')}
        intro={t('Sign in with a client key to try the models. Operators signed in to the console are signed in here too.')}
        label={t('Client key')}
        onSubmit={async (key) => {
          await api('/v1/models', { bearer: key });
          if (remember) sessionStorage.setItem(KEY_STORAGE, key);
          setAuth({ kind: 'key', key });
        }}
      >
        <label class="row small">
          <input type="checkbox" checked={remember} onChange={(event) => setRemember(event.currentTarget.checked)} />
          {t('Remember the key in this tab (sessionStorage) until it closes')}
        </label>
        <a class="small" href="/admin">
          {t('Operators: sign in to the console')}
        </a>
      </SignInCard>
    );
  }
  return (
    <Playground
      auth={auth}
      onSignOut={async () => {
        sessionStorage.removeItem(KEY_STORAGE);
        if (auth.kind === 'session') await consoleSession.signOut();
        setAuth(null);
      }}
    />
  );
}

function Playground(props: { auth: Auth; onSignOut: () => void }) {
  const [conversations, setConversations] = useState<Conversation[]>(loadConversations);
  const [currentId, setCurrentId] = useState<string | null>(() => conversations[0]?.id ?? null);
  const [settings, setSettings] = useState<ChatSettings>(loadSettings);
  const [models, setModels] = useState<string[]>([]);
  const [draft, setDraft] = useState('');
  const [images, setImages] = useState<string[]>([]);
  const [streaming, setStreaming] = useState<AbortController | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sideOpen, setSideOpen] = useState(false);
  const end = useRef<HTMLDivElement>(null);

  const current = conversations.find((conversation) => conversation.id === currentId) ?? null;

  useEffect(() => {
    api<{ data: { id: string }[] }>('/v1/models', bearerOf(props.auth))
      .then((answer) => {
        const ids = answer.data.map((model) => model.id).sort();
        setModels(ids);
        if (!ids.includes(settings.model) && ids.length > 0) updateSettings({ model: ids[0]! });
      })
      .catch((failure) => setError(errorText(failure)));
  }, []);

  useEffect(() => saveConversations(conversations), [conversations]);
  useEffect(() => end.current?.scrollIntoView({ block: 'end' }), [current?.messages]);

  const updateSettings = (change: Partial<ChatSettings>) =>
    setSettings((previous) => {
      const next = { ...previous, ...change };
      saveSettings(next);
      return next;
    });

  /** Replaces one conversation's messages (and title) in the list. */
  const writeConversation = (id: string, messages: ChatMessage[]) =>
    setConversations((list) =>
      list.map((conversation) =>
        conversation.id === id ? { ...conversation, messages, updatedAt: Date.now(), title: conversation.title || (messages[0]?.content.slice(0, 60) ?? '') } : conversation,
      ),
    );

  const send = async () => {
    if ((draft.trim() === '' && images.length === 0) || streaming || settings.model === '') return;
    let conversation = current;
    if (!conversation) {
      conversation = newConversation();
      const created = conversation;
      setConversations((list) => [created, ...list]);
      setCurrentId(created.id);
    }
    const question: ChatMessage = { role: 'user', content: draft.trim(), ...(images.length > 0 ? { images } : {}) };
    const history = [...conversation.messages, question];
    const id = conversation.id;
    writeConversation(id, [...history, { role: 'assistant', content: '' }]);
    setDraft('');
    setImages([]);
    setError(null);
    const controller = new AbortController();
    setStreaming(controller);
    let latest: ChatMessage = { role: 'assistant', content: '' };
    try {
      const body: Record<string, unknown> = { model: settings.model, messages: wireMessages(settings.system, history), temperature: settings.temperature };
      if (settings.maxTokens) body.max_tokens = settings.maxTokens;
      latest = await streamReply(body, bearerOf(props.auth), controller.signal, (reply) => {
        latest = reply;
        writeConversation(id, [...history, reply]);
      });
      writeConversation(id, [...history, latest]);
    } catch (failure) {
      const stopped = controller.signal.aborted;
      writeConversation(id, [...history, { ...latest, ...(stopped ? { stopped: true } : { error: errorText(failure) }) }]);
    } finally {
      setStreaming(null);
    }
  };

  const attach = async (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      if (!file.type.startsWith('image/')) continue;
      if (file.size > MAX_IMAGE_BYTES) {
        setError(t('{name} is larger than 8 MB.', { name: file.name }));
        continue;
      }
      const url = await new Promise<string>((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(String(reader.result));
        reader.onerror = () => reject(reader.error);
        reader.readAsDataURL(file);
      });
      setImages((list) => [...list, url]);
    }
  };

  return (
    <div class={`chat-shell ${sideOpen ? 'side-open' : ''}`}>
      <aside class="chat-side" aria-label={t('Conversations')}>
        <div class="brand">
          <span class="logo" aria-hidden="true" />
          <span>{t('Playground')}</span>
        </div>
        <button
          type="button"
          class="primary"
          onClick={() => {
            setCurrentId(null);
            setSideOpen(false);
          }}
        >
          + {t('New chat')}
        </button>
        <ul class="conversation-list">
          {conversations.map((conversation) => (
            <li key={conversation.id} class="row" style={{ flexWrap: 'nowrap' }}>
              <button
                type="button"
                class={`ghost grow conversation ${conversation.id === currentId ? 'current' : ''}`}
                aria-current={conversation.id === currentId ? 'true' : undefined}
                onClick={() => {
                  setCurrentId(conversation.id);
                  setSideOpen(false);
                }}
              >
                {conversation.title || t('New chat')}
              </button>
              <button
                type="button"
                class="ghost small"
                aria-label={t('Delete conversation {title}', { title: conversation.title || t('New chat') })}
                onClick={() => {
                  setConversations((list) => list.filter((entry) => entry.id !== conversation.id));
                  if (conversation.id === currentId) setCurrentId(null);
                }}
              >
                ✕
              </button>
            </li>
          ))}
        </ul>
        <div class="bottom">
          <span class="small muted">{props.auth.kind === 'session' ? t('Signed in with the console session') : t('Signed in with a client key')}</span>
          <div class="row">
            <PreferenceControls />
            <button type="button" class="small" onClick={props.onSignOut}>
              {t('Sign out')}
            </button>
          </div>
        </div>
      </aside>
      <main class="chat-main">
        <header class="chat-settings">
          <button type="button" class="small side-toggle" aria-expanded={sideOpen} onClick={() => setSideOpen(!sideOpen)}>
            ☰ {t('Chats')}
          </button>
          <label class="field">
            <span>{t('Model')}</span>
            <select value={settings.model} onChange={(event) => updateSettings({ model: event.currentTarget.value })}>
              {models.map((model) => (
                <option key={model} value={model}>
                  {model}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>
              {t('Temperature')} {settings.temperature.toFixed(1)}
            </span>
            <input type="range" min={0} max={2} step={0.1} value={settings.temperature} onInput={(event) => updateSettings({ temperature: Number(event.currentTarget.value) })} />
          </label>
          <label class="field">
            <span>{t('Max tokens')}</span>
            <input
              type="number"
              min={1}
              placeholder={t('default')}
              value={settings.maxTokens ?? ''}
              onInput={(event) => updateSettings({ maxTokens: event.currentTarget.value === '' ? null : Number(event.currentTarget.value) })}
              style={{ width: '7rem' }}
            />
          </label>
          <details class="system-prompt">
            <summary>{t('System prompt')}</summary>
            <textarea rows={3} aria-label={t('System prompt')} value={settings.system} onInput={(event) => updateSettings({ system: event.currentTarget.value })} />
          </details>
        </header>
        <section class="messages" aria-label={t('Messages')} aria-live="polite" aria-busy={streaming !== null}>
          {(!current || current.messages.length === 0) && <p class="muted empty">{t('Ask anything. Replies stream from the gateway; your conversations stay in this browser.')}</p>}
          {current?.messages.map((message, index) => <MessageView key={index} message={message} streaming={streaming !== null && index === current.messages.length - 1} />)}
          <div ref={end} />
        </section>
        {error && <Notice tone="bad">{error}</Notice>}
        <form
          class="composer"
          onSubmit={(event) => {
            event.preventDefault();
            void send();
          }}
        >
          {images.length > 0 && (
            <div class="row attachments">
              {images.map((url, index) => (
                <span class="attachment" key={index}>
                  <img src={url} alt={t('Attached image {n}', { n: index + 1 })} />
                  <button type="button" class="small ghost" aria-label={t('Remove image {n}', { n: index + 1 })} onClick={() => setImages(images.filter((_, other) => other !== index))}>
                    ✕
                  </button>
                </span>
              ))}
            </div>
          )}
          <div class="row composer-row">
            <label class="button attach" title={t('Attach images')}>
              <input type="file" accept="image/*" multiple class="visually-hidden" onChange={(event) => void attach(event.currentTarget.files)} />
              <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
                <path d="M21.4 11.1l-9.2 9.2a6 6 0 01-8.5-8.5l9.2-9.2a4 4 0 015.7 5.7l-9.2 9.2a2 2 0 01-2.8-2.8l8.5-8.5" />
              </svg>
              <span class="visually-hidden">{t('Attach images')}</span>
            </label>
            <textarea
              class="grow"
              rows={2}
              aria-label={t('Message')}
              placeholder={t('Message (Enter to send, Shift+Enter for a new line)')}
              value={draft}
              onInput={(event) => setDraft(event.currentTarget.value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
                  event.preventDefault();
                  void send();
                }
              }}
            />
            {streaming ? (
              <button type="button" class="danger" onClick={() => streaming.abort()}>
                ■ {t('Stop')}
              </button>
            ) : (
              <button type="submit" class="primary" disabled={(draft.trim() === '' && images.length === 0) || settings.model === ''}>
                {t('Send')}
              </button>
            )}
          </div>
        </form>
      </main>
    </div>
  );
}

function MessageView(props: { message: ChatMessage; streaming: boolean }) {
  const { message } = props;
  if (message.role === 'user') {
    return (
      <article class="message user" aria-label={t('You')}>
        {message.images?.map((url, index) => <img key={index} class="message-image" src={url} alt={t('Attached image {n}', { n: index + 1 })} />)}
        <div class="bubble">{message.content}</div>
      </article>
    );
  }
  return (
    <article class="message assistant" aria-label={t('Assistant')}>
      {message.reasoning && (
        <details class="reasoning">
          <summary>{t('Reasoning')}</summary>
          <div class="small">{message.reasoning}</div>
        </details>
      )}
      {message.content !== '' && <Markdown text={message.content} />}
      {message.toolCalls?.map((call) => (
        <div class="tool-call" key={call.id}>
          <div class="small muted">{t('Tool call')}</div>
          <code>
            {call.name}({call.arguments})
          </code>
        </div>
      ))}
      {props.streaming && message.content === '' && !message.reasoning && <span class="typing" aria-label={t('Waiting for the reply')} />}
      {message.error && <Notice tone="bad">{message.error}</Notice>}
      <div class="meta small muted">
        {message.stopped && <span class="badge warn">{t('stopped')}</span>}
        {message.model && <span>{message.model}</span>}
        {message.usage && <span>{t('{prompt} → {completion} tokens', { prompt: formatNumber(message.usage.prompt), completion: formatNumber(message.usage.completion) })}</span>}
        {message.firstTokenMs !== undefined && <span>{t('first token {time}', { time: formatMs(message.firstTokenMs) })}</span>}
        {message.totalMs !== undefined && <span>{t('total {time}', { time: formatMs(message.totalMs) })}</span>}
      </div>
    </article>
  );
}
