import { useEffect, useState } from 'preact/hooks';

/** A setting the user picks once (language, theme), remembered in localStorage and shared by every component. */
export class Preference<T extends string> {
  private value: T;
  private readonly listeners = new Set<(value: T) => void>();

  constructor(
    private readonly storageKey: string,
    private readonly allowed: readonly T[],
    fallback: () => T,
  ) {
    const stored = safeStorage()?.getItem(storageKey) as T | null | undefined;
    this.value = stored && allowed.includes(stored) ? stored : fallback();
  }

  get current(): T {
    return this.value;
  }

  set(value: T): void {
    this.value = value;
    safeStorage()?.setItem(this.storageKey, value);
    this.listeners.forEach((listener) => listener(value));
  }

  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function safeStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

/** The preference's value, re-rendering the component when it changes. */
export function usePreference<T extends string>(preference: Preference<T>): T {
  const [value, setValue] = useState(preference.current);
  useEffect(() => preference.subscribe(setValue), [preference]);
  return value;
}
