// What every screen is handed: the client, the online admin calls, navigation, and the
// notification area. Kept apart from main.ts so screens do not import the router.

import type { SpaceAdmin, SyncClient } from '../client/index.js';

export interface Screen {
  title: string;
  body: HTMLElement;
  live?: boolean;            // re-drawn when sync changes what it shows (lists); forms are not
}

export interface App {
  client: SyncClient;
  admin: SpaceAdmin;
  go(hash: string): void;
  notify(message: string, tone?: 'info' | 'success' | 'warning' | 'error'): void;
  signOut(): void;
}

export const enc = encodeURIComponent;
