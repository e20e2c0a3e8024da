// A wasi:http/proxy handler in JavaScript: componentize-js routes the
// `fetch` event to `wasi:http/incoming-handler.handle`.
addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  event.respondWith(
    new Response(`hello from js at ${url.pathname}\n`, {
      headers: { "content-type": "text/plain" },
    }),
  );
});
