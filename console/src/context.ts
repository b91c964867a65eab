import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api';
import type { Session } from './auth';
import type { ConsoleConfig } from './console-config';

export interface ConsoleContext {
  config: ConsoleConfig;
  session: Session;
  isAdmin: boolean;
  api: Api;
  /** Shows a message in the page's polite live region (role="status"). */
  announce(message: string): void;
}

export const Console = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const context = useContext(Console);
  if (!context) throw new Error('useConsole outside the signed-in shell');
  return context;
}
