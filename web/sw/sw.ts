// The service worker: keeps the app's own files so it opens and works with no network at all.
// The build writes the list of files and a version into it. Hashed assets never change, so they
// come from the cache; the page itself is asked of the network first (a new version arrives as
// soon as there is one) and taken from the cache when there is none. The API is never cached:
// the client library keeps the data, in IndexedDB.

declare const self: ServiceWorkerGlobalScope;
declare const PRECACHE: string[];
declare const VERSION: string;

export {};

const CACHE = `synclog-app-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith('synclog-app-') && key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  const scope = new URL(self.registration.scope).pathname;
  if (!url.pathname.startsWith(scope)) return;
  if (url.pathname.startsWith(`${scope}assets/`)) {
    event.respondWith(caches.match(event.request).then((hit) => hit ?? fetch(event.request)));
    return;
  }
  event.respondWith((async () => {
    try {
      const res = await fetch(event.request);
      if (res.ok && event.request.mode === 'navigate') {
        const copy = res.clone();
        void caches.open(CACHE).then((c) => c.put(`${scope}index.html`, copy));
      }
      return res;
    } catch {
      const cached = event.request.mode === 'navigate'
        ? await caches.match(`${scope}index.html`) : await caches.match(event.request);
      return cached ?? new Response('offline', { status: 503, headers: { 'content-type': 'text/plain' } });
    }
  })());
});
