// The offline copy of Backend Playground. The build writes VERSION (a hash
// of every file) and FILES (every page and file of the site, relative to
// this worker). A new version installs beside the old one and waits until
// a page asks for it ("Reload" in the page's notice), so an open page never
// mixes its HTML with another version's modules.
const VERSION = "__VERSION__";
const FILES = __FILES__;
const CACHE = "bp-" + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(FILES.map((f) => new Request(f, { cache: "no-cache" }))))
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("bp-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

// Hashed files never change: from the cache. Pages: from the network
// (revalidated), else from the cache, whatever their query string.
self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== location.origin) return;
  const page = request.mode === "navigate" || request.destination === "document";
  if (page) {
    event.respondWith(
      fetch(request, { cache: "no-cache" }).catch(() =>
        caches.open(CACHE).then((cache) => cache.match(request, { ignoreSearch: true }))
          .then((hit) => hit || caches.match(request, { ignoreSearch: true }))
          .then((hit) => hit || Response.error())
      )
    );
    return;
  }
  event.respondWith(
    caches.open(CACHE).then((cache) => cache.match(request, { ignoreSearch: true })).then((hit) => hit || fetch(request))
  );
});
